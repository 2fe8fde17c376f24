"""Fan-outs through the whole app with the delivery engine and the expansion running
in-process, as the embedded default runs them: POST /topics/{key}/notifications and
/fanouts. (PostgreSQL's adapters: the contract suite, and the crash test's processes.)"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import make_engine
from application.accounts.sign_up import CreateAdmin, SignUpCommand
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import bearer, key_headers, login
from tests.support.databases import migrated_empty
from tests.support.notifications import client
from tests.support.problems import assert_problem

__all__ = ["client"]

Client = AsyncTestClient[Any]
TOPIC = {"name": "Shipped orders"}
TEXT = {"title": "Shipped", "text": "Your order left the warehouse"}


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    # Small batches, so a few dozen subscribers take several.
    return make_settings(sqlite_url, fanout_batch=4)


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


@pytest.fixture
async def admin(client: Client) -> dict[str, str]:
    tokens = await login(client, "root", "password123")
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def errors(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["field"]: e["message"] for e in body["errors"]}


async def put_recipient(
    client: Client, admin: dict[str, str], external_id: str, **body: Any
) -> None:
    r = await client.put(f"/recipients/{external_id}", headers=admin, json=body)
    assert r.status_code in (200, 201), r.text


async def topic_with(
    client: Client, admin: dict[str, str], key: str, *ids: str, **extra: Any
) -> None:
    r = await client.put(f"/topics/{key}", headers=admin, json=TOPIC)
    assert r.status_code in (200, 201), r.text
    if ids:
        body = {"recipients": list(ids), **extra}
        r = await client.post(f"/topics/{key}/subscribers", headers=admin, json=body)
        assert r.status_code == 200, r.text


async def emails(client: Client, admin: dict[str, str], key: str, count: int) -> list[str]:
    ids = [f"{key}-{i:03}" for i in range(count)]
    items = [{"external_id": e, "email": f"{e}@example.com", "name": f"Person {e}"} for e in ids]
    r = await client.post("/recipients/bulk", headers=admin, json={"items": items})
    assert r.status_code == 200, r.text
    await topic_with(client, admin, key, *ids)
    return ids


async def settled(
    client: Client, headers: dict[str, str], fanout_id: str, *final: str
) -> dict[str, Any]:
    """The fan-out once expanded and every notification of it in one of `final`."""
    body: dict[str, Any] = {}
    for _ in range(500):
        body = (await client.get(f"/fanouts/{fanout_id}", headers=headers)).json()
        left = sum(n for s, n in body["by_status"].items() if s not in final)
        if body["status"] != "expanding" and not left:
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"the fan-out did not settle: {body}")


async def to_recipient(
    client: Client, admin: dict[str, str], external_id: str
) -> list[dict[str, Any]]:
    r = await client.get("/notifications", headers=admin, params={"recipient": external_id})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_every_subscriber_gets_one_notification_per_channel_they_are_reached_on(
    client: Client, admin: dict[str, str], sqlite_url: str
) -> None:
    ids = await emails(client, admin, "many", 13)
    both = {
        "email": "b@example.com",
        "phone": "+14155550101",
        "channels": {"email": True, "sms": True},
    }
    await put_recipient(client, admin, "both", **both)
    await put_recipient(client, admin, "stopped", **{**both, "phone": "+14155550102"})
    await put_recipient(
        client, admin, "no-phone", email="n@example.com", channels={"email": True, "sms": True}
    )
    await put_recipient(client, admin, "narrowed", **{**both, "phone": "+14155550103"})
    await put_recipient(client, admin, "left-out", email="l@example.com")
    await topic_with(client, admin, "many", "both", "stopped", "no-phone", "left-out")
    await topic_with(client, admin, "many", "narrowed", channels=["email"])
    engine = make_engine(sqlite_url)  # the test's own, outside the app's loop
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE recipients SET sms_opted_out = true WHERE external_id = 'stopped'")
        )

    r = await client.post(
        "/topics/many/notifications", headers=admin, json={**TEXT, "exclude": ["left-out", "ghost"]}
    )
    assert r.status_code == 202, r.text
    out = r.json()
    assert (out["status"], out["subscribers"], out["topic"]) == ("expanding", 17, "many")
    done = await settled(client, admin, out["fanout_id"], "sent")
    # 13 + both (2) + stopped (email) + no-phone (email) + narrowed (email)
    assert done["status"] == "expanded"
    assert done["created"] == 18
    assert done["by_status"] == {"sent": 18}
    # sms of the 13 (off for them) and of narrowed (not in its override); stopped; no-phone
    assert done["skipped"] == {
        "channel_off": 14,
        "opted_out": 1,
        "no_address": 1,
        "unrenderable": 0,
    }
    for external_id in [*ids, "both", "stopped", "no-phone", "narrowed"]:
        got = await to_recipient(client, admin, external_id)
        wanted = {"both": ["email", "sms"]}.get(external_id, ["email"])
        assert sorted(n["channel"] for n in got) == wanted, external_id
        assert {n["fanout_id"] for n in got} == {out["fanout_id"]}
        groups = {n["group_id"] for n in got}  # a recipient's are one group, of one of them
        assert len(groups) == 1
        assert groups <= {n["id"] for n in got}
    assert await to_recipient(client, admin, "left-out") == []


async def test_a_template_is_rendered_for_each_subscriber(
    client: Client, admin: dict[str, str]
) -> None:
    template = {
        "variables": ["order"],
        "email": {
            "subject": "Order {{ order }}",
            "text": "Hello {{ recipient.name | default('there') }}, order {{ order }} shipped",
        },
    }
    r = await client.put("/templates/shipped", headers=admin, json=template)
    assert r.status_code in (200, 201), r.text
    await emails(client, admin, "tpl", 3)
    await put_recipient(client, admin, "nameless", email="x@example.com")
    await topic_with(client, admin, "tpl", "nameless")
    body = {"template": "shipped", "data": {"order": "A-17"}}
    r = await client.post("/topics/tpl/notifications", headers=admin, json=body)
    assert r.status_code == 202, r.text
    done = await settled(client, admin, r.json()["fanout_id"], "sent")
    assert done["created"] == 4
    assert done["channels"] == ["email"]
    [first] = await to_recipient(client, admin, "tpl-001")
    assert (first["title"], first["text"]) == (
        "Order A-17",
        "Hello Person tpl-001, order A-17 shipped",
    )
    [other] = await to_recipient(client, admin, "nameless")
    assert other["text"] == "Hello there, order A-17 shipped"


async def test_a_field_a_subscriber_lacks_is_counted_as_unrenderable(
    client: Client, admin: dict[str, str]
) -> None:
    template = {"email": {"subject": "Hi", "text": "Hello {{ recipient.name }}"}}
    assert (await client.put("/templates/named", headers=admin, json=template)).status_code == 201
    await emails(client, admin, "named", 2)
    await put_recipient(client, admin, "anonymous", email="a@example.com")
    await topic_with(client, admin, "named", "anonymous")
    r = await client.post("/topics/named/notifications", headers=admin, json={"template": "named"})
    assert r.status_code == 202, r.text
    done = await settled(client, admin, r.json()["fanout_id"], "sent")
    assert (done["created"], done["skipped"]["unrenderable"]) == (2, 1)


async def test_an_empty_topic_answers_expanded_with_no_subscribers(
    client: Client, admin: dict[str, str]
) -> None:
    await topic_with(client, admin, "quiet")
    r = await client.post("/topics/quiet/notifications", headers=admin, json=TEXT)
    assert r.status_code == 202, r.text
    assert (r.json()["status"], r.json()["subscribers"]) == ("expanded", 0)
    got = await client.get(f"/fanouts/{r.json()['fanout_id']}", headers=admin)
    assert (got.json()["status"], got.json()["created"], got.json()["by_status"]) == (
        "expanded",
        0,
        {},
    )


async def test_bad_triggers_are_refused_by_field(client: Client, admin: dict[str, str]) -> None:
    template = {"variables": ["order"], "email": {"subject": "S", "text": "Order {{ order }}"}}
    assert (
        await client.put("/templates/needs-order", headers=admin, json=template)
    ).status_code == 201
    await emails(client, admin, "bad", 1)
    unknown = await client.post("/topics/nope/notifications", headers=admin, json=TEXT)
    assert assert_problem(unknown, 404)["detail"] == "no topic with key 'nope'"
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"template": "needs-order"}, {"data.order"}),
        ({"template": "needs-order", "data": {"order": 1, "ordr": 2}}, {"data.ordr"}),
        ({"template": "missing"}, {"template"}),
        ({"template": "needs-order", "data": {"order": 1}, "channels": ["sms"]}, {"channels"}),
        ({**TEXT, "template": "needs-order"}, {"template"}),
        ({"text": " "}, {"text"}),
        ({**TEXT, "channels": ["fax"]}, {"channels[0]"}),
        ({**TEXT, "channels": []}, {"channels"}),
        ({**TEXT, "exclude": [f"x{i}" for i in range(1001)]}, {"exclude"}),
        ({**TEXT, "sendtime": "tomorrow"}, {"sendtime"}),
    ]
    for body, fields in cases:
        r = await client.post("/topics/bad/notifications", headers=admin, json=body)
        assert set(errors(r)) == fields, (body, r.text)
    odd_key = await client.post(
        "/topics/bad/notifications", headers={**admin, "Idempotency-Key": "k" * 256}, json=TEXT
    )
    assert assert_problem(odd_key, 422)
    r = await client.get("/fanouts", headers=admin, params={"topic": "bad"})
    assert r.json()["items"] == []  # nothing refused was stored


async def test_an_idempotency_key_returns_the_first_fanout(
    client: Client, admin: dict[str, str]
) -> None:
    await emails(client, admin, "idem", 2)
    headers = {**admin, "Idempotency-Key": "launch-1"}
    first = await client.post("/topics/idem/notifications", headers=headers, json=TEXT)
    again = await client.post("/topics/idem/notifications", headers=headers, json=TEXT)
    assert first.status_code == again.status_code == 202
    assert again.json()["fanout_id"] == first.json()["fanout_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await client.post(
        "/topics/idem/notifications", headers=headers, json={**TEXT, "text": "another"}
    )
    assert assert_problem(other, 409)
    done = await settled(client, admin, first.json()["fanout_id"], "sent")
    assert done["created"] == 2  # once


async def test_cancel_stops_the_notifications_not_sent(
    client: Client, admin: dict[str, str]
) -> None:
    await emails(client, admin, "later", 9)
    sendtime = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = await client.post(
        "/topics/later/notifications", headers=admin, json={**TEXT, "sendtime": sendtime}
    )
    fanout_id = r.json()["fanout_id"]
    done = await settled(client, admin, fanout_id, "scheduled", "queued")
    assert done["created"] == 9
    canceled = await client.delete(f"/fanouts/{fanout_id}", headers=admin)
    assert canceled.status_code == 200, canceled.text
    assert (canceled.json()["status"], canceled.json()["canceled"]) == ("canceled", 9)
    got = (await client.get(f"/fanouts/{fanout_id}", headers=admin)).json()
    assert got["by_status"] == {"canceled": 9}
    [n] = await to_recipient(client, admin, "later-004")
    detail = (await client.get(f"/notifications/{n['id']}", headers=admin)).json()
    assert detail["history"][-1]["detail"] == "canceled with its fan-out"
    assert assert_problem(await client.delete(f"/fanouts/{fanout_id}", headers=admin), 409)
    missing = await client.delete("/fanouts/0193c4a5-0000-7000-8000-000000000000", headers=admin)
    assert assert_problem(missing, 404)


async def test_fanouts_are_listed_newest_first_by_topic(
    client: Client, admin: dict[str, str]
) -> None:
    await emails(client, admin, "listed", 1)
    await topic_with(client, admin, "other")
    made = []
    for key in ("listed", "other", "listed"):
        r = await client.post(f"/topics/{key}/notifications", headers=admin, json=TEXT)
        made.append(r.json()["fanout_id"])
    page = await client.get("/fanouts", headers=admin, params={"topic": "listed", "limit": 1})
    assert [f["fanout_id"] for f in page.json()["items"]] == [made[2]]
    rest = await client.get(
        "/fanouts", headers=admin, params={"topic": "listed", "cursor": page.json()["next_cursor"]}
    )
    assert [f["fanout_id"] for f in rest.json()["items"]] == [made[0]]
    everything = await client.get("/fanouts", headers=admin)
    assert [f["fanout_id"] for f in everything.json()["items"]] == made[::-1]
    bad = await client.get("/fanouts", headers=admin, params={"cursor": "!!"})
    assert set(errors(bad)) == {"cursor"}


async def test_who_may_trigger_read_and_cancel(client: Client, admin: dict[str, str]) -> None:
    await emails(client, admin, "who", 1)
    writer = await key_headers(client, admin, "notifications:write", name="writer")
    reader = await key_headers(client, admin, "notifications:read", name="reader")
    topics_only = await key_headers(client, admin, "topics:write", name="topics")
    user = await bearer(client, "ann")
    r = await client.post("/topics/who/notifications", headers=writer, json=TEXT)
    assert r.status_code == 202, r.text
    fanout_id = r.json()["fanout_id"]
    for headers in (reader, topics_only, user):
        refused = await client.post("/topics/who/notifications", headers=headers, json=TEXT)
        assert assert_problem(refused, 403)
        assert assert_problem(await client.delete(f"/fanouts/{fanout_id}", headers=headers), 403)
    assert (await client.get(f"/fanouts/{fanout_id}", headers=reader)).status_code == 200
    assert (await client.get("/fanouts", headers=reader)).status_code == 200
    for headers in (writer, topics_only, user):
        assert assert_problem(await client.get(f"/fanouts/{fanout_id}", headers=headers), 403)
    assert (await client.get(f"/fanouts/{fanout_id}", headers={})).status_code == 401


async def test_quiet_hours_defer_each_subscriber_unless_urgent(
    client: Client, admin: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    quiet = {
        "start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "end": (now + timedelta(hours=1)).strftime("%H:%M"),
    }
    await put_recipient(
        client, admin, "sleeper", email="s@example.com", timezone="UTC", quiet_hours=quiet
    )
    await topic_with(client, admin, "night", "sleeper")
    r = await client.post("/topics/night/notifications", headers=admin, json=TEXT)
    held = await settled(client, admin, r.json()["fanout_id"], "scheduled")
    assert held["by_status"] == {"scheduled": 1}
    [n] = await to_recipient(client, admin, "sleeper")
    assert datetime.fromisoformat(n["due_at"]) > now + timedelta(minutes=30)
    urgent = await client.post(
        "/topics/night/notifications", headers=admin, json={**TEXT, "urgent": True}
    )
    sent = await settled(client, admin, urgent.json()["fanout_id"], "sent")
    assert sent["by_status"] == {"sent": 1}
    assert Counter(n["status"] for n in await to_recipient(client, admin, "sleeper")) == {
        "scheduled": 1,
        "sent": 1,
    }
