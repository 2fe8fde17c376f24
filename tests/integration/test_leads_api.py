"""Both Landbot routes and /leads through the app, with the in-process broker (the
MessageHooks task) and the delivery engine: the token, bad shapes, sizes, the same
message twice, out of order, dedupe across conversations, tickets' seam, who may read
leads, and the welcome email scheduled once with its subject."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from application.accounts.sign_up import CreateAdmin, SignUpCommand
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import bearer, login
from tests.support.databases import migrated_empty
from tests.support.notifications import client
from tests.support.problems import assert_problem

__all__ = ["client"]  # a fixture: the app with its delivery engine and in-process tasks

Client = AsyncTestClient[Any]
TOKEN = "landbot-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Token {TOKEN}"}
HOOK = "/webhooks/landbot"
T0 = 1764687600.0  # 2025-12-02T15:00:00Z


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url, landbot_webhook_token=TOKEN)


def message(
    body: str | None = "Hi, I need help",
    *,
    customer: dict[str, Any] | None = None,
    at: float = T0,
    sender: str = "customer",
) -> dict[str, Any]:
    return {
        "type": "text",
        "timestamp": at,
        "data": {} if body is None else {"body": body},
        "sender": {"id": 5, "name": "Lena", "type": sender},
        "customer": customer
        or {"id": 161808359, "name": "Lena", "email": "Lena@Example.com", "phone": "+34600111222"},
        "channel": {"id": 1, "name": "Web", "type": "landbot"},
    }


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[AsyncContainer]:
    """The production container with an admin made before the app starts: the app runs
    in a loop of its own, and two loops must not contend for the container's lock."""
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    async with container() as request:
        await (await request.get(CreateAdmin))(SignUpCommand("root", "password123"))
    yield container
    await container.close()


async def staff(client: Client, container: AsyncContainer) -> dict[str, str]:
    tokens = await login(client, "root", "password123")
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def leads(client: Client, headers: dict[str, str], q: str | None = None) -> list[Any]:
    r = await client.get("/leads", headers=headers, params={} if q is None else {"q": q})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def conversation(
    client: Client, headers: dict[str, str], count: int, q: str | None = None
) -> dict[str, Any]:
    """The only lead (matching q) once its conversation has `count` messages."""
    body: dict[str, Any] = {}
    for _ in range(300):
        found = await leads(client, headers, q)
        if found:
            body = (await client.get(f"/leads/{found[0]['id']}", headers=headers)).json()
            if len(body["messages"]) >= count:
                return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"the conversation stayed {body}")


async def welcomes(client: Client, admin: dict[str, str]) -> list[dict[str, Any]]:
    """Every email notification, from the admins' activity view."""
    r = await client.get("/admin/notifications", headers=admin, params={"channel": "email"})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_message_makes_a_lead_with_its_conversation_and_one_welcome(
    client: Client, container: AsyncContainer
) -> None:
    r = await client.post(HOOK, json={"messages": [message()]}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": 1, "repeated": 0}
    admin = await staff(client, container)
    lead = await conversation(client, admin, 1)
    assert lead["external_id"] == "landbot:161808359"
    assert (lead["name"], lead["email"], lead["phone"]) == (
        "Lena",
        "lena@example.com",
        "+34600111222",
    )
    assert lead["customer_ids"] == ["161808359"]
    [said] = lead["messages"]
    assert (said["sender_type"], said["body"], said["channel"]) == (
        "customer",
        "Hi, I need help",
        "Web",
    )
    assert said["at"] == "2025-12-02T15:00:00Z"
    assert not said["on_ticket"]

    # The same person again, in a second conversation: the same lead, no second welcome.
    again = message("Me again", customer={"id": 999, "email": "lena@example.COM"}, at=T0 + 60)
    assert (await client.post(HOOK, json={"messages": [again]}, headers=AUTH)).status_code == 200
    lead = await conversation(client, admin, 2)
    assert lead["customer_ids"] == ["161808359", "999"]
    assert len(await leads(client, admin)) == 1
    [welcome] = await welcomes(client, admin)
    assert welcome["id"] == lead["welcome_notification_id"]
    assert (welcome["to"], welcome["title"], welcome["status"]) == (
        "lena@example.com",
        "Welcome, Lena",
        "scheduled",
    )
    assert "Hi Lena" in welcome["text"]
    delay = datetime.fromisoformat(welcome["due_at"]) - datetime.fromisoformat(
        welcome["created_at"]
    )
    assert 59 <= delay.total_seconds() <= 61


async def test_the_same_message_twice_is_stored_once(
    client: Client, container: AsyncContainer
) -> None:
    hook = {"messages": [message(), message()]}
    first = await client.post(HOOK, json=hook, headers=AUTH)
    assert first.json() == {"stored": 1, "repeated": 1}
    second = await client.post(HOOK, json={"messages": [message()]}, headers=AUTH)
    assert second.status_code == 200
    assert second.json() == {"stored": 0, "repeated": 1}
    admin = await staff(client, container)
    lead = await conversation(client, admin, 1)
    await asyncio.sleep(0.2)
    lead = (await client.get(f"/leads/{lead['id']}", headers=admin)).json()
    assert len(lead["messages"]) == 1


async def test_landbots_message_id_is_the_key_when_it_sends_one(
    client: Client, container: AsyncContainer
) -> None:
    first = {**message("hi"), "id": 991}
    same = {**message("hi", at=T0 + 1), "_id": 991}  # the same message, as _id
    other = {**message("hi"), "id": 992}
    r = await client.post(HOOK, json={"messages": [first, same, other]}, headers=AUTH)
    assert r.json() == {"stored": 2, "repeated": 1}


async def test_timestamps_as_text_and_in_milliseconds_are_taken(
    client: Client, container: AsyncContainer
) -> None:
    iso = {**message("iso"), "timestamp": "2025-12-02T15:00:02+00:00"}
    text = {**message("text"), "timestamp": "1764687601"}
    millis = message("ms", at=T0 * 1000)
    r = await client.post(HOOK, json={"messages": [iso, text, millis]}, headers=AUTH)
    assert r.json() == {"stored": 3, "repeated": 0}
    lead = await conversation(client, await staff(client, container), 3)
    assert [(m["body"], m["at"]) for m in lead["messages"]] == [
        ("ms", "2025-12-02T15:00:00Z"),
        ("text", "2025-12-02T15:00:01Z"),
        ("iso", "2025-12-02T15:00:02Z"),
    ]


async def test_a_nul_anywhere_is_a_422(client: Client) -> None:
    hook = {"messages": [message(customer={"id": 1, "plan": "a\x00b"})]}
    body = assert_problem(await client.post(HOOK, json=hook, headers=AUTH), 422)
    assert body["errors"][0]["field"] == "messages[0].customer.plan"


async def test_messages_out_of_order_read_in_the_order_sent(
    client: Client, container: AsyncContainer
) -> None:
    newer = message(
        "second", customer={"id": 7, "name": "Lena Berg", "email": "lena@example.com"}, at=T0 + 10
    )
    older = message("first", customer={"id": 7, "name": "L.", "plan": "pro"}, at=T0, sender="bot")
    await client.post(HOOK, json={"messages": [newer]}, headers=AUTH)
    admin = await staff(client, container)
    await conversation(client, admin, 1)
    await client.post(HOOK, json={"messages": [older]}, headers=AUTH)
    await conversation(client, admin, 2)
    # Read again once the second message shows: on SQLite a read's statements are not one
    # snapshot (pysqlite begins no transaction for a SELECT), so the read that first saw
    # the message may have read the lead before the worker's commit.
    lead = await conversation(client, admin, 2)
    assert [m["body"] for m in lead["messages"]] == ["first", "second"]
    assert lead["name"] == "Lena Berg"  # the older message does not undo the newer's name
    assert lead["fields"] == {"plan": "pro"}  # but fills what was missing


async def test_a_webhook_block_records_a_lead_and_opens_a_ticket(
    client: Client, container: AsyncContainer
) -> None:
    body = {
        "customer_id": 42,
        "name": "Bo",
        "email": "bo@example.com",
        "phone": "+1 (510) 555-2054",
        "message": "My order never came\nIt was #123",
        "topic": "billing",
        "fields": {"plan": "pro"},
    }
    r = await client.post("/api/leads", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["external_id"] == "landbot:42"
    assert made["created"]
    assert made["ticket_id"]
    assert made["lead"]["phone"] == "+15105552054"
    assert made["lead"]["fields"] == {"plan": "pro"}
    admin = await staff(client, container)
    [opened] = (await client.get("/tickets", headers=admin)).json()["items"]
    assert (opened["id"], opened["topic"], opened["subject"], opened["body"]) == (
        made["ticket_id"],
        "billing",
        "My order never came",
        "My order never came\nIt was #123",
    )
    assert (opened["status"], opened["requester_id"]) == ("new", made["lead"]["recipient_id"])
    page = (await client.get(f"/leads/{made['lead']['id']}", headers=admin)).json()
    assert [(t["number"], t["subject"], t["status"]) for t in page["tickets"]] == [
        (opened["number"], "My order never came", "new")
    ]
    # Found by phone from another conversation; no message: no ticket, no second welcome.
    again = await client.post(
        "/api/leads", json={"customer_id": "43", "phone": "+15105552054"}, headers=AUTH
    )
    assert again.status_code == 200, again.text
    assert again.json()["lead"]["id"] == made["lead"]["id"]
    assert again.json()["ticket_id"] is None
    assert len((await client.get("/tickets", headers=admin)).json()["items"]) == 1
    [welcome] = await welcomes(client, admin)
    assert (welcome["title"], welcome["to"]) == ("Welcome, Bo", "bo@example.com")
    # The lead has a ticket: the customer's message through MessageHooks goes on it.
    reply = message("Any news?", customer={"id": 43})
    await client.post(HOOK, json={"messages": [reply]}, headers=AUTH)
    lead = await conversation(client, admin, 1, q="bo")
    assert lead["messages"][0]["on_ticket"]
    ticket = (await client.get(f"/tickets/{opened['number']}", headers=admin)).json()
    comments = [(e["body"], e["public"]) for e in ticket["timeline"] if e["kind"] == "comment"]
    assert comments == [("Any news?", True)]


async def test_a_default_topic_and_a_lead_without_email_gets_no_welcome(
    client: Client, container: AsyncContainer
) -> None:
    r = await client.post("/api/leads", json={"customer_id": 1, "message": "help"}, headers=AUTH)
    assert r.status_code == 201, r.text
    admin = await staff(client, container)
    [opened] = (await client.get("/tickets", headers=admin)).json()["items"]
    assert opened["topic"] == "support"
    assert await welcomes(client, admin) == []


async def test_the_token_is_required_and_checked(client: Client) -> None:
    hook = {"messages": [message()]}
    for path, body in ((HOOK, hook), ("/api/leads", {"customer_id": 1})):
        assert_problem(await client.post(path, json=body), 401)
        wrong = {"Authorization": "Token not-the-token-at-all-000000"}
        assert_problem(await client.post(path, json=body, headers=wrong), 401)
        bearer_scheme = {"Authorization": f"Bearer {TOKEN}"}
        assert_problem(await client.post(path, json=body, headers=bearer_scheme), 401)
        # The token is checked before the body is read.
        assert_problem(
            await client.post(path, content=b"{", headers={"Content-Type": "application/json"}), 401
        )


@pytest.mark.parametrize("path", [HOOK, "/api/leads"])
async def test_forbidden_while_no_token_is_configured(tmp_path: Any, path: str) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/off.db")
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(settings, container)) as off:
        body = assert_problem(await off.post(path, json={}, headers=AUTH), 403)
        assert "HERALD_LANDBOT_WEBHOOK_TOKEN" in body["detail"]
    await container.close()


@pytest.mark.parametrize(
    ("hook", "field"),
    [
        ({"messages": [message(customer={"name": "no id"})]}, "messages[0].customer.id"),
        ({"messages": [message(customer={"id": "a/b"})]}, "messages[0].customer.id"),
        ({"messages": [message(at=-5)]}, "messages[0].timestamp"),
        ({"messages": [{**message(), "timestamp": "yesterday"}]}, "messages[0].timestamp"),
        (
            {"messages": [{**message(), "timestamp": "2025-12-02T15:00:00"}]},
            "messages[0].timestamp",
        ),
        ({"messages": [message("x" * 10_001)]}, "messages[0].data.body"),
        ({"messages": []}, "messages"),
        ({"messages": [{**message(), "data": {"body": 5}}]}, "messages[0].data.body"),
    ],
)
async def test_bad_messages_are_422_naming_the_field(
    client: Client, hook: dict[str, Any], field: str
) -> None:
    body = assert_problem(await client.post(HOOK, json=hook, headers=AUTH), 422)
    assert field in [e["field"] for e in body["errors"]]


@pytest.mark.parametrize(
    "hook",
    [{"message": "not landbot"}, {"messages": "x"}, {"messages": [{"type": "text"}]}, [1, 2]],
)
async def test_not_landbots_shape_is_a_4xx(client: Client, hook: Any) -> None:
    r = await client.post(HOOK, json=hook, headers=AUTH)
    assert r.status_code in (400, 422), r.text
    assert_problem(r, r.status_code)


async def test_bodies_that_are_not_json_or_too_big(client: Client) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    assert_problem(await client.post(HOOK, content=b"{not json", headers=headers), 400)
    plain = {**AUTH, "Content-Type": "text/plain"}
    assert_problem(await client.post(HOOK, content=b"{}", headers=plain), 415)
    big = {"messages": [message("x" * 9000) for _ in range(40)]}  # about 400 KB
    assert_problem(await client.post(HOOK, json=big, headers=AUTH), 413)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "customer_id"),
        ({"customer_id": 1, "email": "nope"}, "email"),
        ({"customer_id": 1, "phone": "12"}, "phone"),
        ({"customer_id": 1, "topic": "9 lives"}, "topic"),
        ({"customer_id": 1, "message": "x" * 10_001}, "message"),
        ({"customer_id": 1, "fields": {"a": {"nested": 1}}}, "fields"),
        ({"customer_id": 1, "extra": 1}, "extra"),
    ],
)
async def test_a_bad_webhook_block_is_422_naming_the_field(
    client: Client, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(await client.post("/api/leads", json=body, headers=AUTH), 422)
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem


async def test_leads_are_for_agents_and_admins(client: Client, container: AsyncContainer) -> None:
    await client.post("/api/leads", json={"customer_id": 1, "name": "Lena"}, headers=AUTH)
    user = await bearer(client, "ann")
    assert_problem(await client.get("/leads", headers=user), 403)
    assert_problem(await client.get("/leads"), 401)
    admin = await staff(client, container)
    [lead] = await leads(client, admin)
    assert_problem(await client.get(f"/leads/{lead['id']}", headers=user), 403)
    # An admin makes ann an agent: she may read leads then.
    users = (await client.get("/admin/users", headers=admin, params={"q": "ann"})).json()
    ann = users["items"][0]["id"]
    assert (
        await client.patch(f"/admin/users/{ann}", headers=admin, json={"role": "agent"})
    ).status_code == 200
    agent = await bearer(client, "ann")
    assert [x["id"] for x in await leads(client, agent, q="LEN")] == [lead["id"]]
    assert await leads(client, agent, q="zed") == []
    missing = "01a2005d-b470-7f6a-9b2b-7c7ca6c14368"
    assert_problem(await client.get(f"/leads/{missing}", headers=agent), 404)
    bad = await client.get("/leads", headers=agent, params={"cursor": "!!"})
    assert_problem(bad, 422)
    # Any cursor of the documented shape reads a page (after that id), as documented.
    after = await client.get("/leads", headers=agent, params={"cursor": "_" * 22})
    assert after.status_code == 200
    assert after.json() == {"items": [], "next_cursor": None}


async def test_the_routes_are_in_the_openapi_schema(client: Client) -> None:
    r = await client.get("/docs/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert {"/webhooks/landbot", "/api/leads", "/leads", "/leads/{lead_id}"} <= set(paths)
    responses = paths["/webhooks/landbot"]["post"]["responses"]
    assert {"200", "401", "403", "413", "422"} <= set(responses)
