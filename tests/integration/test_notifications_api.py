"""Notifications through the whole app, with the delivery engine
running in-process as in the embedded default (console senders, dev outbox)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from dishka import AsyncContainer
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.auth import admin_bearer, bearer, signup
from tests.support.databases import migrated_empty
from tests.support.notifications import client, wait_for_status

__all__ = ["client"]  # a fixture: the app with its delivery engine

Client = AsyncTestClient[Any]


async def outbox(client: Client, container: AsyncContainer) -> list[dict[str, Any]]:
    admin = await admin_bearer(client, container)
    page = await client.get("/dev/outbox", headers=admin)
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def test_notification_sent_now_reaches_the_dev_outbox(
    client: Client, container: AsyncContainer
) -> None:
    headers = await bearer(
        client, "ann", preferences={"notify_pref": "email", "email": "ann@example.com"}
    )
    r = await client.post("/notifications", headers=headers, json={"title": "Hi", "text": "Body"})
    assert r.status_code == 202, r.text
    [created] = r.json()["items"]
    assert r.json()["group_id"] == created["id"]  # a single channel's group is its own id
    assert r.json()["skipped"] == [
        {"channel": "sms", "reason": "your sms channel is off: turn it on, or name the channel"}
    ]
    assert created["channel"] == "email"
    assert created["to"] == "ann@example.com"
    assert created["status"] == "scheduled"
    assert created["created_at"].endswith("Z")
    detail = await wait_for_status(client, headers, created["id"], "sent")
    assert [h["status"] for h in detail["history"]] == ["scheduled", "queued", "sending", "sent"]
    assert detail["attempts"] == 1
    assert detail["provider"] == "console"
    sent = await outbox(client, container)
    assert sent[0]["reference"] == created["id"]
    assert sent[0]["subject"] == "Hi"
    assert sent[0]["provider_message_id"] == detail["provider_message_id"]


async def test_timed_sms_waits_for_its_sendtime(client: Client, container: AsyncContainer) -> None:
    headers = await bearer(
        client, "ann", preferences={"notify_pref": "sms", "phone": "+1 510 555 2054"}
    )
    # Past the dispatcher's one-second look-ahead: sooner, it may already be claimed
    # (queued, held until due) by the time the GET below reads it.
    at = datetime.now(UTC) + timedelta(seconds=2)
    r = await client.post(
        "/notifications", headers=headers, json={"text": "later", "sendtime": at.isoformat()}
    )
    assert r.status_code == 202, r.text
    nid = r.json()["items"][0]["id"]
    assert (await client.get(f"/notifications/{nid}", headers=headers)).json()[
        "status"
    ] == "scheduled"
    detail = await wait_for_status(client, headers, nid, "sent")
    sent_at = datetime.fromisoformat(detail["history"][-1]["at"])
    assert sent_at >= at
    sent = await outbox(client, container)
    assert sent[0]["channel"] == "sms"
    assert sent[0]["to"] == "+15105552054"


async def test_create_refuses_missing_address_and_naive_time(client: Client) -> None:
    headers = await bearer(client, "ann")
    r = await client.post("/notifications", headers=headers, json={"text": "x"})
    assert r.status_code == 422
    assert "email channel is off" in r.json()["detail"]
    assert [e["field"] for e in r.json()["errors"]] == ["channels", "channels"]
    r = await client.post("/notifications", headers=headers, json={"text": "x", "channel": "sms"})
    assert r.status_code == 422
    assert "phone" in r.json()["detail"]
    await client.patch(
        "/preferences", headers=headers, json={"notify_pref": "email", "email": "a@b.co"}
    )
    r = await client.post(
        "/notifications", headers=headers, json={"text": "x", "sendtime": "2030-01-01T10:00:00"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "sendtime"


async def test_idempotency_key(client: Client) -> None:
    headers = await bearer(client, "ann", preferences={"notify_pref": "email", "email": "a@b.co"})
    keyed = {**headers, "Idempotency-Key": "k-1"}
    # Due later, so that the delivery engine running beside the app cannot move it
    # between the two requests (a replay answers the notification as it is now).
    body = {"text": "once", "sendtime": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    first = await client.post("/notifications", headers=keyed, json=body)
    again = await client.post("/notifications", headers=keyed, json=body)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = await client.post("/notifications", headers=keyed, json={"text": "twice"})
    assert other.status_code == 409
    listed = (await client.get("/notifications", headers=headers)).json()
    assert len(listed["items"]) == 1


async def test_list_paginates_filters_and_hides_others(client: Client) -> None:
    ann = await bearer(client, "ann")
    bob = await bearer(client, "bob")
    await client.patch(
        "/preferences", headers=ann, json={"notify_pref": "email", "email": "a@b.co"}
    )
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    ids = [
        (
            await client.post(
                "/notifications", headers=ann, json={"text": f"n{i}", "sendtime": later}
            )
        ).json()["items"][0]["id"]
        for i in range(5)
    ]
    page1 = (await client.get("/notifications", headers=ann, params={"limit": 2})).json()
    page2 = (
        await client.get(
            "/notifications", headers=ann, params={"limit": 2, "cursor": page1["next_cursor"]}
        )
    ).json()
    page3 = (
        await client.get(
            "/notifications", headers=ann, params={"limit": 2, "cursor": page2["next_cursor"]}
        )
    ).json()
    seen = [n["id"] for p in (page1, page2, page3) for n in p["items"]]
    assert seen == sorted(ids, reverse=True)  # UUIDv7: time-ordered to the ms
    assert page3["next_cursor"] is None
    filtered = (await client.get("/notifications", headers=ann, params={"status": "sent"})).json()
    assert filtered["items"] == []
    assert (await client.get(f"/notifications/{ids[0]}", headers=bob)).status_code == 404
    assert (await client.delete(f"/notifications/{ids[0]}", headers=bob)).status_code == 404
    bad = await client.get("/notifications", headers=ann, params={"status": "lost"})
    assert bad.status_code == 422


async def test_cancel_scheduled_then_conflict(client: Client) -> None:
    headers = await bearer(client, "ann", preferences={"notify_pref": "email", "email": "a@b.co"})
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    nid = (
        await client.post("/notifications", headers=headers, json={"text": "x", "sendtime": later})
    ).json()["items"][0]["id"]
    r = await client.delete(f"/notifications/{nid}", headers=headers)
    assert r.status_code == 200
    assert r.json()["status"] == "canceled"
    assert (await client.delete(f"/notifications/{nid}", headers=headers)).status_code == 409


async def test_cancel_sent_is_conflict(client: Client) -> None:
    headers = await bearer(client, "ann", preferences={"notify_pref": "email", "email": "a@b.co"})
    created = await client.post("/notifications", headers=headers, json={"text": "x"})
    nid = created.json()["items"][0]["id"]
    await wait_for_status(client, headers, nid, "sent")
    assert (await client.delete(f"/notifications/{nid}", headers=headers)).status_code == 409


async def test_admin_may_notify_another_user(client: Client, container: AsyncContainer) -> None:
    bob = await signup(client, "bob")
    await bearer(client, "bob", preferences={"notify_pref": "sms", "phone": "+447700900123"})
    admin = await admin_bearer(client, container)
    r = await client.post(
        "/notifications", headers=admin, json={"text": "hi bob", "user_id": bob["id"]}
    )
    assert r.status_code == 202, r.text
    assert [n["to"] for n in r.json()["items"]] == ["+447700900123"]
    ann = await bearer(client, "ann")
    r = await client.post("/notifications", headers=ann, json={"text": "x", "user_id": bob["id"]})
    assert r.status_code == 403


async def test_the_admin_who_notified_a_user_reads_lists_and_cancels_it(
    client: Client, container: AsyncContainer
) -> None:
    bob = await signup(client, "bob")
    bob_headers = await bearer(
        client, "bob", preferences={"notify_pref": "email", "email": "b@b.co"}
    )
    admin = await admin_bearer(client, container)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    body = {"text": "hi bob", "user_id": bob["id"], "sendtime": later}
    [created] = (await client.post("/notifications", headers=admin, json=body)).json()["items"]
    assert created["user_id"] == bob["id"]
    assert created["created_by"] != bob["id"]
    nid = created["id"]
    for headers in (admin, bob_headers):
        assert [
            n["id"] for n in (await client.get("/notifications", headers=headers)).json()["items"]
        ] == [nid]
        assert (await client.get(f"/notifications/{nid}", headers=headers)).status_code == 200
    activity = await client.get(
        "/admin/notifications", headers=admin, params={"user_id": bob["id"]}
    )
    assert activity.status_code == 200, activity.text
    [item] = activity.json()["items"]
    assert item["id"] == nid
    assert [e["status"] for e in item["history"]] == ["scheduled"]
    assert activity.json()["next_cursor"] is None
    assert (await client.get("/admin/notifications", headers=bob_headers)).status_code == 403
    bad = await client.get("/admin/notifications", headers=admin, params={"since": "yesterday"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "since"
    canceled = await client.delete(f"/notifications/{nid}", headers=admin)
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"


async def test_the_dev_outbox_is_for_admins_and_pages_like_every_list(
    client: Client, container: AsyncContainer
) -> None:
    headers = await bearer(client, "ann", preferences={"notify_pref": "email", "email": "a@b.co"})
    ids = [
        (await client.post("/notifications", headers=headers, json={"text": f"n{i}"})).json()[
            "items"
        ][0]["id"]
        for i in range(3)
    ]
    for nid in ids:
        await wait_for_status(client, headers, nid, "sent")
    assert (await client.get("/dev/outbox")).status_code == 401
    assert (await client.get("/dev/outbox", headers=headers)).status_code == 403
    admin = await admin_bearer(client, container)
    first = (await client.get("/dev/outbox", headers=admin, params={"limit": 2})).json()
    assert len(first["items"]) == 2
    rest = (
        await client.get(
            "/dev/outbox", headers=admin, params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert rest["next_cursor"] is None
    listed = first["items"] + rest["items"]
    assert sorted(e["reference"] for e in listed) == sorted(ids)
    # Newest first, by the order they were sent in (the three may be sent in any order).
    numbers = [e["provider_message_id"] for e in listed]
    assert numbers == sorted(numbers, reverse=True)
    bad = await client.get("/dev/outbox", headers=admin, params={"cursor": "!!"})
    assert bad.status_code == 422


async def test_the_dev_outbox_is_not_there_in_production(sqlite_url: str) -> None:
    settings = make_settings(
        sqlite_url,
        broker_url="redis://127.0.0.1:6379/13",
        sms_provider="console",
        email_provider="console",
    )
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    try:
        async with AsyncTestClient(create_app(settings, container)) as production:
            admin = await admin_bearer(production, container)
            assert (await production.get("/dev/outbox", headers=admin)).status_code == 404
    finally:
        await container.close()
