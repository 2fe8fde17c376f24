"""Staff and account management through the whole app: /admin/users (list, roles,
disabling, the last admin) and /me/password, with every bad input and the audit lines."""

import logging
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import admin_bearer, bearer, login, signup
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
AUDIT = "herald.audit"
RATE_LIMIT = 10  # password tries per account and window, as logins per client and account


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url, login_rate_limit=RATE_LIMIT)


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        {k: getattr(r, k) for k in ("actor", "user", "role", "disabled") if hasattr(r, k)}
        | {"message": r.getMessage()}
        for r in caplog.records
        if r.name == AUDIT
    ]


async def user_id(client: Client, admin: dict[str, str], username: str) -> str:
    page = (await client.get("/admin/users", headers=admin, params={"q": username})).json()
    [found] = [u for u in page["items"] if u["username"] == username]
    return str(found["id"])


async def test_admins_list_users_by_prefix_role_and_pages(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    for name in ("ann", "anna", "bob"):
        await signup(client, name)
    everyone = (await client.get("/admin/users", headers=admin)).json()
    # By id, the order they were made (ids made within one millisecond may tie either way).
    ids = [u["id"] for u in everyone["items"]]
    assert ids == sorted(ids)
    assert {u["username"]: u["role"] for u in everyone["items"]} == {
        "root": "admin",
        "ann": "user",
        "anna": "user",
        "bob": "user",
    }
    assert not any(u["disabled"] for u in everyone["items"])
    assert everyone["next_cursor"] is None
    found = (await client.get("/admin/users", headers=admin, params={"q": " ANN"})).json()
    assert sorted(u["username"] for u in found["items"]) == ["ann", "anna"]
    admins = (await client.get("/admin/users", headers=admin, params={"role": "admin"})).json()
    assert [u["username"] for u in admins["items"]] == ["root"]
    first = (await client.get("/admin/users", headers=admin, params={"limit": 3})).json()
    assert [u["id"] for u in first["items"]] == ids[:3]
    rest = await client.get(
        "/admin/users", headers=admin, params={"limit": 3, "cursor": first["next_cursor"]}
    )
    assert [u["id"] for u in rest.json()["items"]] == ids[3:]
    assert rest.json()["next_cursor"] is None
    like = (await client.get("/admin/users", headers=admin, params={"q": "%"})).json()
    assert like["items"] == []  # a LIKE wildcard is a character like any other


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"q": "a\x00b"}, "q"),
        ({"limit": "0"}, "limit"),
        ({"q": "x" * 33}, "q"),
    ],
)
async def test_a_bad_user_query_is_a_422_naming_the_field(
    client: Client, container: AsyncContainer, params: dict[str, str], field: str
) -> None:
    admin = await admin_bearer(client, container)
    body = assert_problem(await client.get("/admin/users", headers=admin, params=params), 422)
    assert field in str(body)


async def test_the_admin_routes_refuse_users_agents_keys_and_strangers(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    user = await bearer(client, "ann")
    ann = await user_id(client, admin, "ann")
    await signup(client, "sam")
    r = await client.patch(
        f"/admin/users/{await user_id(client, admin, 'sam')}", headers=admin, json={"role": "agent"}
    )
    assert r.status_code == 200, r.text
    agent = {"Authorization": f"Bearer {(await login(client, 'sam'))['access_token']}"}
    for headers in (user, agent):
        assert_problem(await client.get("/admin/users", headers=headers), 403)
        assert_problem(
            await client.patch(f"/admin/users/{ann}", headers=headers, json={"role": "admin"}),
            403,
        )
    assert_problem(await client.get("/admin/users"), 401)
    assert_problem(await client.patch(f"/admin/users/{ann}", json={"disabled": True}), 401)
    me = (await client.get("/me", headers=user)).json()
    assert me["role"] == "user"  # nothing changed


async def test_roles_change_and_are_audited_with_who_did_it(
    client: Client, container: AsyncContainer, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await admin_bearer(client, container)
    user = await bearer(client, "ann")
    ann = await user_id(client, admin, "ann")
    with caplog.at_level(logging.INFO, logger=AUDIT):
        r = await client.patch(f"/admin/users/{ann}", headers=admin, json={"role": "agent"})
        assert r.status_code == 200, r.text
        assert r.json()["role"] == "agent"
        # The stored role counts at once: the same token is now an agent's.
        assert (await client.get("/me", headers=user)).json()["role"] == "agent"
        same = await client.patch(f"/admin/users/{ann}", headers=admin, json={"role": "agent"})
        assert same.status_code == 200
    assert audit_lines(caplog) == [
        {
            "message": "user changed",
            "actor": "root",
            "user": "ann",
            "role": "user->agent",
            "disabled": "False->False",
        }
    ]  # the change to nothing is not logged


async def test_disabling_ends_the_sessions_at_once_and_enabling_allows_a_new_login(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    user = await bearer(client, "ann")
    tokens = await login(client, "ann")
    ann = await user_id(client, admin, "ann")
    r = await client.patch(f"/admin/users/{ann}", headers=admin, json={"disabled": True})
    assert r.json()["disabled"] is True
    assert_problem(await client.get("/me", headers=user), 401)
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(refreshed, 401)
    assert_problem(
        await client.post("/auth/login", json={"username": "ann", "password": "password123"}), 401
    )
    await client.patch(f"/admin/users/{ann}", headers=admin, json={"disabled": False})
    again = await login(client, "ann")
    headers = {"Authorization": f"Bearer {again['access_token']}"}
    assert (await client.get("/me", headers=headers)).status_code == 200
    assert_problem(await client.get("/me", headers=user), 401)  # the old session stays ended


async def test_the_last_admin_can_neither_demote_nor_disable_themselves(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    root = await user_id(client, admin, "root")
    for change in ({"role": "user"}, {"role": "agent"}, {"disabled": True}):
        body = assert_problem(
            await client.patch(f"/admin/users/{root}", headers=admin, json=change), 409
        )
        assert "at least one enabled admin" in body["detail"]
    assert (await client.get("/me", headers=admin)).json()["role"] == "admin"
    # With a second admin, the first may step down; then the second is the last one.
    await signup(client, "eve")
    eve = await user_id(client, admin, "eve")
    await client.patch(f"/admin/users/{eve}", headers=admin, json={"role": "admin"})
    r = await client.patch(f"/admin/users/{root}", headers=admin, json={"role": "user"})
    assert r.status_code == 200, r.text
    eve_headers = {"Authorization": f"Bearer {(await login(client, 'eve'))['access_token']}"}
    assert_problem(
        await client.patch(f"/admin/users/{eve}", headers=eve_headers, json={"disabled": True}),
        409,
    )
    # A disabled admin does not count as one.
    await client.patch(
        f"/admin/users/{root}", headers=eve_headers, json={"role": "admin", "disabled": True}
    )
    assert_problem(
        await client.patch(f"/admin/users/{eve}", headers=eve_headers, json={"role": "agent"}),
        409,
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"role": None, "disabled": None}, 422),
        ({"role": "owner"}, 422),
        ({"disabled": "yes"}, 422),
        ({"role": "agent", "extra": 1}, 422),
        ([], 422),
    ],
)
async def test_a_bad_user_change_is_refused(
    client: Client, container: AsyncContainer, body: Any, status: int
) -> None:
    admin = await admin_bearer(client, container)
    await signup(client, "ann")
    ann = await user_id(client, admin, "ann")
    assert_problem(await client.patch(f"/admin/users/{ann}", headers=admin, json=body), status)
    assert (await client.get("/admin/users", headers=admin, params={"q": "ann"})).json()["items"][
        0
    ]["role"] == "user"


async def test_changing_an_unknown_or_malformed_user(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    missing = "01900000-0000-7000-8000-000000000000"
    assert_problem(
        await client.patch(f"/admin/users/{missing}", headers=admin, json={"role": "agent"}), 404
    )
    assert_problem(
        await client.patch("/admin/users/nope", headers=admin, json={"role": "agent"}), 404
    )
    not_json = await client.patch(
        f"/admin/users/{missing}", headers={**admin, "content-type": "text/plain"}, content=b"x"
    )
    assert_problem(not_json, 415)


async def test_changing_ones_password_ends_the_other_sessions_only(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    this = await bearer(client, "ann")
    other = await login(client, "ann")
    other_headers = {"Authorization": f"Bearer {other['access_token']}"}
    with caplog.at_level(logging.INFO, logger=AUDIT):
        r = await client.post(
            "/me/password",
            headers=this,
            json={"current": "password123", "new": "a much longer one"},
        )
    assert r.status_code == 204, r.text
    assert (await client.get("/me", headers=this)).status_code == 200
    assert_problem(await client.get("/me", headers=other_headers), 401)
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]}), 401
    )
    assert_problem(
        await client.post("/auth/login", json={"username": "ann", "password": "password123"}), 401
    )
    await login(client, "ann", "a much longer one")
    [line] = audit_lines(caplog)
    assert line == {"message": "password changed", "actor": "ann"}
    assert "password123" not in caplog.text
    assert "a much longer one" not in caplog.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current": "wrong-password", "new": "a much longer one"}, "current"),
        ({"current": "password123", "new": "short"}, "new"),
        ({"current": "password123", "new": "password123"}, "new"),
        ({"current": "password123", "new": "x\x00" * 5}, "new"),
        ({"current": "password123"}, "new"),
        ({"current": "password123", "new": "a much longer one", "x": 1}, "x"),
    ],
)
async def test_a_bad_password_change_is_a_422_and_changes_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    headers = await bearer(client, "ann")
    problem = assert_problem(await client.post("/me/password", headers=headers, json=body), 422)
    assert field in str(problem)
    await login(client, "ann")  # the old password still works


async def test_password_guesses_through_a_token_are_rate_limited(client: Client) -> None:
    headers = await bearer(client, "ann")
    wrong = {"current": "wrong-password", "new": "a much longer one"}
    statuses = [
        (await client.post("/me/password", headers=headers, json=wrong)).status_code
        for _ in range(12)
    ]
    assert statuses[:RATE_LIMIT] == [422] * RATE_LIMIT
    assert statuses[RATE_LIMIT:] == [429, 429]
    right = {"current": "password123", "new": "a much longer one"}
    limited = await client.post("/me/password", headers=headers, json=right)
    assert_problem(limited, 429)
    assert limited.headers["retry-after"]


async def test_the_password_route_needs_a_user(client: Client) -> None:
    body = {"current": "password123", "new": "a much longer one"}
    assert_problem(await client.post("/me/password", json=body), 401)
