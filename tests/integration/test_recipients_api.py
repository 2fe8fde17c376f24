"""/recipients through the whole app: every route, every bad input, and the erasure of a
user's notification history; and a signup's recipient on SQLite and PostgreSQL."""

import asyncio
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from adapters.sql.database import make_engine
from application.accounts.sign_up import SignUp, SignUpCommand
from application.ports.recipients import RecipientRepository
from application.recipients.fields import RecipientInput
from application.recipients.put_recipient import PutRecipient, PutRecipientCommand, PutResult
from domain.accounts import Role
from domain.recipients import ExternalId
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.accounts import new_user
from tests.support.auth import admin_bearer, bearer
from tests.support.databases import migrated_empty
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
ANN = {
    "name": "Ann Lee",
    "email": "Ann@Example.COM",
    "phone": 15105552054,
    "locale": "pt_br",
    "timezone": "America/New_York",
    "quiet_hours": {"start": "21:00", "end": "08:00"},
}


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    return await admin_bearer(client, container)


def fields(response: Any) -> set[str]:
    return {e["field"] for e in assert_problem(response, 422)["errors"]}


async def test_put_creates_then_replaces_idempotently(
    client: Client, admin: dict[str, str]
) -> None:
    r = await client.put("/recipients/crm-1", headers=admin, json=ANN)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["external_id"] == "crm-1"
    assert (made["email"], made["phone"], made["locale"]) == (
        "Ann@example.com",
        "+15105552054",
        "pt-BR",
    )
    assert made["channels"] == {"email": True, "sms": True}  # on where an address is given
    assert made["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert made["user_id"] is None
    again = await client.put("/recipients/crm-1", headers=admin, json=ANN)
    assert again.status_code == 200
    assert {k: v for k, v in again.json().items() if k != "updated_at"} == {
        k: v for k, v in made.items() if k != "updated_at"
    }
    replaced = await client.put(
        "/recipients/crm-1", headers=admin, json={"email": "a@b.co", "channels": {"sms": True}}
    )
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["id"], body["created_at"]) == (made["id"], made["created_at"])
    assert (body["name"], body["phone"], body["quiet_hours"]) == (None, None, None)
    assert body["channels"] == {"email": True, "sms": True}
    got = await client.get("/recipients/crm-1", headers=admin)
    assert got.status_code == 200
    assert got.json() == body


async def test_patch_changes_only_the_fields_given(client: Client, admin: dict[str, str]) -> None:
    await client.put("/recipients/crm-1", headers=admin, json=ANN)
    r = await client.patch(
        "/recipients/crm-1",
        headers=admin,
        json={"name": None, "channels": {"sms": False}, "timezone": "Europe/Lisbon"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["email"], body["timezone"]) == (
        None,
        "Ann@example.com",
        "Europe/Lisbon",
    )
    assert body["channels"] == {"email": True, "sms": False}
    assert body["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    missing = await client.patch("/recipients/nobody", headers=admin, json={"name": "x"})
    assert_problem(missing, 404)


async def test_bad_inputs_name_their_fields(client: Client, admin: dict[str, str]) -> None:
    bad = {
        "name": "x" * 201,
        "email": "nope",
        "phone": "12",
        "locale": "english",
        "timezone": "Mars/Olympus",
        "quiet_hours": {"start": "22:00", "end": "22:00"},
    }
    assert fields(await client.put("/recipients/crm-1", headers=admin, json=bad)) == set(bad)
    await client.put("/recipients/crm-1", headers=admin, json={})
    assert fields(await client.patch("/recipients/crm-1", headers=admin, json=bad)) == set(bad)
    nul = {"name": "a\x00b"}
    assert_problem(await client.put("/recipients/crm-2", headers=admin, json=nul), 422)
    hours = {"quiet_hours": {"start": "25:00", "end": "08:00"}}
    assert fields(await client.put("/recipients/crm-2", headers=admin, json=hours)) == {
        "quiet_hours"
    }
    assert fields(await client.put("/recipients/crm-2", headers=admin, json={"nope": 1})) == {
        "nope"
    }
    typed = {"channels": {"email": "yes"}}
    assert fields(await client.put("/recipients/crm-2", headers=admin, json=typed)) == {
        "channels.email"
    }
    long_id = "x" * 129
    assert fields(await client.put(f"/recipients/{long_id}", headers=admin, json={})) == {
        "external_id"
    }
    assert fields(await client.get("/recipients/a%09b", headers=admin)) == {"external_id"}
    assert_problem(await client.get("/recipients/crm-2", headers=admin), 404)
    bad_utf8 = await client.put(
        "/recipients/crm-2",
        headers={**admin, "content-type": "application/json"},
        content=b'{"name": "\xff"}',
    )
    assert bad_utf8.status_code in (400, 422)
    assert bad_utf8.headers["content-type"].startswith("application/problem+json")


async def test_only_admins(client: Client) -> None:
    headers = await bearer(client, "ann")
    assert_problem(await client.get("/recipients", headers=headers), 403)
    assert_problem(await client.put("/recipients/x", headers=headers, json={}), 403)
    assert_problem(await client.get("/recipients/x"), 401)
    assert_problem(await client.post("/recipients/bulk", json={"items": []}), 401)


async def test_search_and_pages(client: Client, admin: dict[str, str]) -> None:
    for i, name in enumerate(["Ann Lee", "Annie Hall", "Bob Dylan"]):
        await client.put(f"/recipients/crm-{i}", headers=admin, json={"name": name})
    r = await client.get("/recipients", headers=admin, params={"q": "ANN"})
    assert [x["name"] for x in r.json()["items"]] == ["Ann Lee", "Annie Hall"]
    by_id = await client.get("/recipients", headers=admin, params={"q": "crm-2"})
    assert [x["name"] for x in by_id.json()["items"]] == ["Bob Dylan"]
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2, "q": "crm-"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/recipients", headers=admin, params=params)).json()
        seen += [x["external_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["crm-0", "crm-1", "crm-2"]
    everyone = (await client.get("/recipients", headers=admin)).json()["items"]
    assert "user:root" in [x["external_id"] for x in everyone]  # the admin's own
    for params in ({"cursor": "nope!"}, {"limit": 0}, {"limit": 101}, {"q": "x" * 255}):
        assert_problem(await client.get("/recipients", headers=admin, params=params), 422)
    assert fields(await client.get("/recipients", headers=admin, params={"q": "a\x00"})) == {"q"}


async def test_bulk_keeps_the_good_entries(client: Client, admin: dict[str, str]) -> None:
    await client.put("/recipients/crm-1", headers=admin, json={"name": "Old"})
    items = [
        {"external_id": "crm-1", "name": "New"},
        {"external_id": "crm-2", "email": "nope"},
        {"external_id": "crm-3", "phone": "+15105550000"},
        {"external_id": "crm-3"},
        {"external_id": "", "name": "x"},
    ]
    r = await client.post("/recipients/bulk", headers=admin, json={"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["replaced"], body["invalid"]) == (1, 1, 3)
    assert [(e["index"], e["status"]) for e in body["items"]] == [
        (0, "replaced"),
        (1, "invalid"),
        (2, "created"),
        (3, "invalid"),
        (4, "invalid"),
    ]
    assert [e["field"] for e in body["items"][1]["errors"]] == ["email"]
    assert "index 2" in body["items"][3]["errors"][0]["message"]
    assert body["items"][2]["recipient"]["channels"] == {"email": False, "sms": True}
    assert (await client.get("/recipients/crm-1", headers=admin)).json()["name"] == "New"
    assert_problem(await client.get("/recipients/crm-2", headers=admin), 404)
    too_many = [{"external_id": f"x-{i}"} for i in range(1001)]
    assert fields(
        await client.post("/recipients/bulk", headers=admin, json={"items": too_many})
    ) == {"items"}
    assert fields(await client.post("/recipients/bulk", headers=admin, json={"items": []})) == {
        "items"
    }
    typed = {
        "items": [
            {"external_id": "ok"},
            {"external_id": 5},
            {"external_id": "crm-9", "channels": {"email": "yes"}},
            {"name": "no id"},
            {"external_id": "crm-10", "nope": 1},
        ]
    }
    r = await client.post("/recipients/bulk", headers=admin, json=typed)
    assert r.status_code == 200, r.text
    results = r.json()["items"]
    assert [e["status"] for e in results] == ["created", *["invalid"] * 4]
    assert [(e["external_id"], [f["field"] for f in e["errors"]]) for e in results[1:]] == [
        ("", ["external_id"]),
        ("crm-9", ["channels.email"]),
        ("", ["external_id"]),
        ("crm-10", ["nope"]),
    ]
    assert (await client.get("/recipients/ok", headers=admin)).status_code == 200
    not_objects = {"items": [1]}
    assert fields(await client.post("/recipients/bulk", headers=admin, json=not_objects)) == {
        "items[0]"
    }


async def test_every_account_has_its_recipient_behind_preferences(
    client: Client, admin: dict[str, str]
) -> None:
    headers = await bearer(client, "ann", preferences={"notify_pref": "sms", "phone": 15105552054})
    r = await client.get("/recipients/user:ann", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["channels"] == {"email": False, "sms": True}
    assert r.json()["phone"] == "+15105552054"
    # Both channels on reads back as email, the first of email and sms.
    await client.patch(
        "/recipients/user:ann",
        headers=admin,
        json={"email": "ann@example.com", "channels": {"email": True}},
    )
    prefs = (await client.get("/preferences", headers=headers)).json()
    assert (prefs["notify_pref"], prefs["email"]) == ("email", "ann@example.com")


async def test_erase_redacts_the_notification_history(
    client: Client, admin: dict[str, str]
) -> None:
    headers = await bearer(
        client, "ann", preferences={"notify_pref": "email", "email": "ann@example.com"}
    )
    sent = await client.post(
        "/notifications", headers=headers, json={"text": "secret", "title": "T"}
    )
    later = await client.post(
        "/notifications",
        headers=headers,
        json={"text": "later", "sendtime": "2099-01-01T00:00:00Z"},
    )
    assert sent.status_code == later.status_code == 202
    r = await client.delete("/recipients/user:ann", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"external_id": "user:ann", "redacted_notifications": 2}
    assert_problem(await client.get("/recipients/user:ann", headers=admin), 404)
    assert_problem(await client.delete("/recipients/user:ann", headers=admin), 404)
    for created in (sent, later):
        n = (
            await client.get(f"/notifications/{created.json()['items'][0]['id']}", headers=headers)
        ).json()
        assert (n["to"], n["title"], n["text"], n["last_error"]) == ("", None, "", None)
        assert all(
            e["detail"] in (None, "canceled: the recipient was erased") for e in n["history"]
        )
    canceled = (
        await client.get(f"/notifications/{later.json()['items'][0]['id']}", headers=headers)
    ).json()
    assert canceled["status"] == "canceled"
    prefs = (await client.get("/preferences", headers=headers)).json()
    assert (prefs["notify_pref"], prefs["email"]) == ("none", None)
    none_left = await client.put("/recipients/lead-1", headers=admin, json={})
    assert none_left.status_code == 201
    gone = await client.delete("/recipients/lead-1", headers=admin)
    assert gone.json()["redacted_notifications"] == 0


async def migrated_container(
    kind: str, sqlite_url: str, request: pytest.FixtureRequest
) -> AsyncContainer:
    """The production container on a freshly migrated database of `kind`."""
    url = sqlite_url if kind == "sqlite" else str(request.getfixturevalue("postgres_url"))
    engine = make_engine(url, pool_size=1)
    await migrated_empty(engine)
    await engine.dispose()
    return make_container(make_settings(url))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_a_signup_makes_its_recipient_in_its_transaction(
    kind: str, sqlite_url: str, request: pytest.FixtureRequest
) -> None:
    """On PostgreSQL too, which checks the recipient's reference to its new user."""
    container = await migrated_container(kind, sqlite_url, request)
    try:
        async with container() as scope:
            user = await (await scope.get(SignUp))(SignUpCommand("ann", "password123"))
        async with container() as scope:
            found = await (await scope.get(RecipientRepository)).get(ExternalId("user:ann"))
    finally:
        await container.close()
    assert found is not None
    assert found.user_id == user.id


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_puts_at_once_of_one_new_recipient_make_it_once(
    kind: str, sqlite_url: str, request: pytest.FixtureRequest
) -> None:
    """As production binds them (on PostgreSQL, one statement each on the direct pool):
    one creates it; the others, whose insert then conflicts, replace what it made."""
    container = await migrated_container(kind, sqlite_url, request)
    admin = new_user("root", Role.ADMIN)

    async def put(name: str) -> PutResult:
        async with container() as scope:
            command = PutRecipientCommand(admin, "crm-9", RecipientInput(name=name))
            return await (await scope.get(PutRecipient))(command)

    try:
        results = await asyncio.gather(*(put(f"N{i}") for i in range(8)))
        async with container() as scope:
            stored = await (await scope.get(RecipientRepository)).get(ExternalId("crm-9"))
    finally:
        await container.close()
    assert sorted(r.created for r in results) == [False] * 7 + [True]
    assert {r.recipient.id for r in results} == {stored.id if stored else None}
