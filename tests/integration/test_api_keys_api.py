"""/admin/api-keys and authentication by API key, through the whole app."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar import get
from litestar.testing import AsyncTestClient

from application.policy import require_scope
from domain.api_keys import Scope, ServicePrincipal
from entrypoints.http.app import create_app
from entrypoints.http.security import (
    KEY_IN_QUERY,
    PRINCIPAL,
    SECURITY_WITH_KEYS,
    CallerDependency,
    allowed_to,
)
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.conftest import make_settings, replace_settings
from tests.support.auth import admin_bearer, bearer
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
RATE_LIMIT = 5


@get(
    "/probe/recipients",
    dependencies=PRINCIPAL,
    security=SECURITY_WITH_KEYS,
    guards=[allowed_to(lambda caller: require_scope(caller, Scope.RECIPIENTS_READ))],
)
async def scoped_probe(caller: CallerDependency) -> dict[str, str]:
    """A route behind a scope, as the recipients and templates routes are."""
    assert isinstance(caller, ServicePrincipal)
    return {"key": caller.name}


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url, api_key_rate_limit=RATE_LIMIT)


@pytest.fixture
async def client(settings: Settings, container: AsyncContainer) -> AsyncIterator[Client]:
    app = create_app(settings, container)
    app.register(scoped_probe)
    async with AsyncTestClient(app) as test_client:
        yield test_client


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    return await admin_bearer(client, container)


async def make_key(
    client: Client, admin: dict[str, str], *scopes: str, name: str = "billing"
) -> dict[str, Any]:
    response = await client.post(
        "/admin/api-keys", headers=admin, json={"name": name, "scopes": list(scopes)}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_made_listed_and_revoked_and_the_secret_shown_once(
    client: Client, admin: dict[str, str]
) -> None:
    made = await make_key(client, admin, "recipients:read", "notifications:write")
    secret = made.pop("secret")
    assert secret.startswith("hk_")
    assert len(secret) == 46
    assert made["prefix"] == secret[:11]
    assert made["scopes"] == ["notifications:write", "recipients:read"]
    assert made["last_used_at"] is None
    assert made["revoked_at"] is None
    listed = await client.get("/admin/api-keys", headers=admin)
    assert listed.status_code == 200
    assert listed.json() == {"items": [made], "next_cursor": None}
    assert secret not in listed.text
    assert "hash" not in listed.text
    await client.get("/probe/recipients", headers={"X-API-Key": secret})
    used = (await client.get("/admin/api-keys", headers=admin)).json()["items"][0]
    assert used["last_used_at"] is not None
    revoked = await client.delete(f"/admin/api-keys/{made['id']}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    again = await client.delete(f"/admin/api-keys/{made['id']}", headers=admin)
    assert again.json() == revoked.json()
    gone = await client.delete(
        "/admin/api-keys/01922e7e-0000-7000-8000-000000000001", headers=admin
    )
    assert_problem(gone, 404)


async def test_listed_in_pages(client: Client, admin: dict[str, str]) -> None:
    ids = sorted([(await make_key(client, admin, "templates:write"))["id"] for _ in range(3)])
    first = (await client.get("/admin/api-keys?limit=2", headers=admin)).json()
    assert [k["id"] for k in first["items"]] == ids[:2]
    second = await client.get(
        "/admin/api-keys", headers=admin, params={"limit": 2, "cursor": first["next_cursor"]}
    )
    assert [k["id"] for k in second.json()["items"]] == ids[2:]
    bad = await client.get("/admin/api-keys?cursor=nope", headers=admin)
    assert assert_problem(bad, 422)["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "scopes": []}, ["name", "scopes"]),
        ({"name": "a\u0000b", "scopes": ["recipients:read"]}, ["name"]),
        ({"name": "x" * 101, "scopes": ["recipients:read"]}, ["name"]),
        ({"name": "ok", "scopes": ["admin"]}, ["scopes"]),
    ],
)
async def test_bad_bodies_name_their_fields(
    client: Client, admin: dict[str, str], body: dict[str, Any], fields: list[str]
) -> None:
    response = await client.post("/admin/api-keys", headers=admin, json=body)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == fields


async def test_unreadable_bodies_are_400(client: Client, admin: dict[str, str]) -> None:
    for content in (b'{"name": "x", "scopes": "recipients:read"}', b"\xff", b"{"):
        response = await client.post(
            "/admin/api-keys",
            headers={**admin, "Content-Type": "application/json"},
            content=content,
        )
        assert response.status_code in (400, 422), response.text
        assert_problem(response, response.status_code)


async def test_a_key_authenticates_by_either_header(client: Client, admin: dict[str, str]) -> None:
    secret = (await make_key(client, admin, "recipients:read"))["secret"]
    for headers in ({"X-API-Key": secret}, {"Authorization": f"Bearer {secret}"}):
        response = await client.get("/probe/recipients", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"key": "billing"}


@pytest.mark.parametrize(
    "query", ["api_key={secret}", "key={secret}", "token={secret}", "apikey=x", "limit=2&key=x"]
)
async def test_a_key_in_the_query_string_is_refused(
    client: Client, admin: dict[str, str], query: str
) -> None:
    secret = (await make_key(client, admin, "recipients:read"))["secret"]
    response = await client.get(
        f"/probe/recipients?{query.format(secret=secret)}", headers={"X-API-Key": secret}
    )
    assert assert_problem(response, 401)["detail"] == KEY_IN_QUERY


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": "hk_" + "A" * 43},
        {"Authorization": "Bearer hk_" + "A" * 43},
        {"X-API-Key": "not-a-key"},
        {"X-API-Key": ""},
    ],
)
async def test_unknown_keys_are_401(client: Client, headers: dict[str, str]) -> None:
    response = await client.get("/probe/recipients", headers=headers)
    assert assert_problem(response, 401)["detail"] == "the API key is unknown or revoked"


async def test_one_credential_at_a_time(client: Client, admin: dict[str, str]) -> None:
    secret = (await make_key(client, admin, "recipients:read"))["secret"]
    response = await client.get("/probe/recipients", headers={"X-API-Key": secret, **admin})
    assert (
        "send either an API key or an Authorization header"
        in (assert_problem(response, 401)["detail"])
    )


async def test_a_revoked_key_is_401(client: Client, admin: dict[str, str]) -> None:
    made = await make_key(client, admin, "recipients:read")
    headers = {"X-API-Key": made["secret"]}
    assert (await client.get("/probe/recipients", headers=headers)).status_code == 200
    await client.delete(f"/admin/api-keys/{made['id']}", headers=admin)
    response = await client.get("/probe/recipients", headers=headers)
    assert assert_problem(response, 401)["detail"] == "the API key is unknown or revoked"


async def test_a_missing_scope_is_403_naming_it(client: Client, admin: dict[str, str]) -> None:
    secret = (await make_key(client, admin, "recipients:write"))["secret"]
    response = await client.get("/probe/recipients", headers={"X-API-Key": secret})
    assert assert_problem(response, 403)["detail"] == "the API key lacks the scope recipients:read"


async def test_users_need_the_admin_role_where_keys_need_a_scope(client: Client) -> None:
    response = await client.get("/probe/recipients", headers=await bearer(client, "ann"))
    assert "recipients:read needs the admin role" in assert_problem(response, 403)["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me"),
        ("get", "/auth/me"),
        ("post", "/auth/logout"),
        ("get", "/preferences"),
        ("patch", "/preferences"),
        ("get", "/notifications"),
        ("get", "/api/data"),
        ("get", "/admin/notifications"),
        ("get", "/dev/outbox"),
        ("post", "/api/populate"),
    ],
)
async def test_a_key_is_no_user(
    client: Client, admin: dict[str, str], method: str, path: str
) -> None:
    secret = (await make_key(client, admin, *Scope))["secret"]
    response = await client.request(method, path, headers={"X-API-Key": secret}, json={})
    assert "an API key acts as a service" in assert_problem(response, 403)["detail"]


async def test_a_key_cannot_manage_keys(client: Client, admin: dict[str, str]) -> None:
    made = await make_key(client, admin, *Scope)
    headers = {"X-API-Key": made["secret"]}
    for response in (
        await client.post(
            "/admin/api-keys", headers=headers, json={"name": "x", "scopes": ["recipients:read"]}
        ),
        await client.get("/admin/api-keys", headers=headers),
        await client.delete(f"/admin/api-keys/{made['id']}", headers=headers),
    ):
        assert "an API key cannot manage API keys" in assert_problem(response, 403)["detail"]


async def test_users_cannot_manage_keys(client: Client) -> None:
    response = await client.get("/admin/api-keys", headers=await bearer(client, "ann"))
    assert assert_problem(response, 403)["detail"] == "managing API keys needs the admin role"
    assert_problem(await client.get("/admin/api-keys"), 401)


async def test_each_key_is_rate_limited(client: Client, admin: dict[str, str]) -> None:
    busy, other = [(await make_key(client, admin, "recipients:read"))["secret"] for _ in range(2)]
    for _ in range(RATE_LIMIT):
        assert (
            await client.get("/probe/recipients", headers={"X-API-Key": busy})
        ).status_code == 200
    response = await client.get("/probe/recipients", headers={"X-API-Key": busy})
    assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert (await client.get("/probe/recipients", headers={"X-API-Key": other})).status_code == 200


async def test_a_revocation_holds_in_every_process_after_the_cache_time(
    settings: Settings, client: Client, admin: dict[str, str]
) -> None:
    """Another API process on the same database revokes the key: with the cache off this
    process refuses it on the next request (the cache's own second is tested with a
    clock of its own in test_api_keys_cache)."""
    made = await make_key(client, admin, "recipients:read")
    headers = {"X-API-Key": made["secret"]}
    other_settings = replace_settings(settings, auth_cache_seconds=0)
    other = make_container(other_settings)
    try:
        other_app = create_app(other_settings, other)
        other_app.register(scoped_probe)
        async with AsyncTestClient(other_app) as other_client:
            assert (await other_client.get("/probe/recipients", headers=headers)).status_code == 200
            await client.delete(f"/admin/api-keys/{made['id']}", headers=admin)
            response = await other_client.get("/probe/recipients", headers=headers)
            assert_problem(response, 401)
    finally:
        await other.close()
