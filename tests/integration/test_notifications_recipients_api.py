"""POST /notifications to recipients through the whole app: API keys, channels and
skips, groups, templates, quiet hours, lists by recipient, and erasure."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from application.accounts.sign_up import CreateAdmin, SignUpCommand
from tests.support.auth import bearer, login
from tests.support.notifications import client, wait_for_status
from tests.support.problems import assert_problem

__all__ = ["client"]  # a fixture: the app with its delivery engine

Client = AsyncTestClient[Any]
ANN = {
    "name": "Ann Lee",
    "email": "ann@example.com",
    "phone": "+15105552054",
    "channels": {"email": True, "sms": True},
}
TEMPLATE = {
    "description": "Sign-in code",
    "variables": ["code"],
    "sms": {"text": "Hi {{ recipient.name }}, your code is {{ code }}"},
    "email": {
        "subject": "Your code",
        "text": "Code: {{ code }}",
        "html": "<p>Code: <b>{{ code }}</b></p>",
    },
}


@pytest.fixture
async def root(container: AsyncContainer) -> None:
    """An admin made before the app and its delivery engine start: the container's lock
    must not be taken from the test's loop while the engine's loop uses it."""
    async with container() as request:
        await (await request.get(CreateAdmin))(SignUpCommand("root", "password123"))


async def as_root(client: Client) -> dict[str, str]:
    tokens = await login(client, "root", "password123")
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def key(client: Client, admin: dict[str, str], *scopes: str) -> dict[str, str]:
    made = await client.post(
        "/admin/api-keys", headers=admin, json={"name": "crm", "scopes": list(scopes)}
    )
    assert made.status_code == 201, made.text
    return {"X-API-Key": made.json()["secret"]}


async def put_recipient(client: Client, admin: dict[str, str], **fields: object) -> None:
    r = await client.put("/recipients/crm-1", headers=admin, json=ANN | fields)
    assert r.status_code in (200, 201), r.text


async def send_code(client: Client, admin: dict[str, str], code: str) -> Any:
    """The recipient crm-1 and the template `code`, and a send of it to every channel."""
    await put_recipient(client, admin)
    assert (await client.put("/templates/code", headers=admin, json=TEMPLATE)).status_code == 201
    r = await client.post(
        "/notifications",
        headers=admin,
        json={"recipient": "crm-1", "template": "code", "data": {"code": code}},
    )
    assert r.status_code == 202, r.text
    return r


async def test_a_key_sends_to_every_channel_of_a_recipient_in_one_group(
    root: None, client: Client
) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin)
    writer = await key(client, admin, "notifications:write", "notifications:read")
    r = await client.post(
        "/notifications", headers=writer, json={"recipient": "crm-1", "text": "hello"}
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert sorted(n["channel"] for n in body["items"]) == ["email", "sms"]
    assert {n["group_id"] for n in body["items"]} == {body["group_id"]}
    assert {(n["user_id"], n["created_by"]) for n in body["items"]} == {(None, None)}
    assert body["skipped"] == []
    for n in body["items"]:
        detail = await wait_for_status(client, writer, n["id"], "sent")
        assert detail["group_id"] == body["group_id"]
    listed = await client.get("/notifications", headers=writer, params={"recipient": "crm-1"})
    assert listed.status_code == 200, listed.text
    assert sorted(n["id"] for n in listed.json()["items"]) == sorted(n["id"] for n in body["items"])
    by_admin = await client.get("/notifications", headers=admin, params={"recipient": "crm-1"})
    assert len(by_admin.json()["items"]) == 2


async def test_keys_need_their_scopes(root: None, client: Client) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin)
    reader = await key(client, admin, "notifications:read")
    refused = await client.post(
        "/notifications", headers=reader, json={"recipient": "crm-1", "text": "x"}
    )
    assert "notifications:write" in assert_problem(refused, 403)["detail"]
    writer = await key(client, admin, "notifications:write")
    sent = await client.post(
        "/notifications", headers=writer, json={"recipient": "crm-1", "text": "x"}
    )
    nid = sent.json()["items"][0]["id"]
    assert (
        "notifications:read"
        in assert_problem(await client.get(f"/notifications/{nid}", headers=writer), 403)["detail"]
    )
    assert (await client.get(f"/notifications/{nid}", headers=reader)).status_code == 200
    listed = await client.get("/notifications", headers=writer, params={"recipient": "crm-1"})
    assert "notifications:read" in assert_problem(listed, 403)["detail"]
    ann = await bearer(client, "ann")
    listed = await client.get("/notifications", headers=ann, params={"recipient": "crm-1"})
    assert "admin role" in assert_problem(listed, 403)["detail"]
    missing = await client.post(
        "/notifications", headers=writer, json={"recipient": "nobody", "text": "x"}
    )
    assert "nobody" in assert_problem(missing, 404)["detail"]
    unnamed = await client.post("/notifications", headers=writer, json={"text": "x"})
    assert assert_problem(unnamed, 422)["errors"][0]["field"] == "recipient"


async def test_a_key_with_notifications_write_cancels_any_notification(
    root: None, client: Client
) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin, phone=None)
    writer = await key(client, admin, "notifications:write")
    reader = await key(client, admin, "notifications:read")
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    by_key = await client.post(
        "/notifications",
        headers=writer,
        json={"recipient": "crm-1", "text": "x", "sendtime": later},
    )
    ann = await bearer(client, "ann", preferences={"notify_pref": "email", "email": "a@b.co"})
    by_user = await client.post(
        "/notifications", headers=ann, json={"text": "x", "sendtime": later}
    )
    ids = [by_key.json()["items"][0]["id"], by_user.json()["items"][0]["id"]]
    for nid in ids:
        refused = await client.delete(f"/notifications/{nid}", headers=reader)
        assert "notifications:write" in assert_problem(refused, 403)["detail"]
        assert (await client.get(f"/notifications/{nid}", headers=reader)).json()["status"] == (
            "scheduled"
        )
        canceled = await client.delete(f"/notifications/{nid}", headers=writer)
        assert canceled.status_code == 200, canceled.text
        assert canceled.json()["status"] == "canceled"
        assert_problem(await client.delete(f"/notifications/{nid}", headers=writer), 409)
    unknown = "01900000-0000-7000-8000-000000000000"
    assert_problem(await client.delete(f"/notifications/{unknown}", headers=writer), 404)
    assert_problem(await client.delete(f"/notifications/{unknown}", headers=reader), 403)


async def test_the_activity_view_filters_by_recipient(root: None, client: Client) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin, phone=None)
    other = await client.put("/recipients/crm-2", headers=admin, json=ANN | {"phone": None})
    assert other.status_code == 201, other.text
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    sent = {}
    for external_id in ("crm-1", "crm-2"):
        r = await client.post(
            "/notifications",
            headers=admin,
            json={"recipient": external_id, "text": "x", "sendtime": later},
        )
        sent[external_id] = r.json()["items"][0]["id"]
    activity = await client.get(
        "/admin/notifications", headers=admin, params={"recipient": "crm-1"}
    )
    assert activity.status_code == 200, activity.text
    [item] = activity.json()["items"]
    assert item["id"] == sent["crm-1"]
    assert [e["status"] for e in item["history"]] == ["scheduled"]
    none_sent = await client.get(
        "/admin/notifications", headers=admin, params={"recipient": "crm-1", "status": "sent"}
    )
    assert none_sent.json()["items"] == []
    unknown = await client.get(
        "/admin/notifications", headers=admin, params={"recipient": "nobody"}
    )
    assert "'nobody'" in assert_problem(unknown, 404)["detail"]
    bad = await client.get("/admin/notifications", headers=admin, params={"recipient": "a\tb"})
    assert [e["field"] for e in assert_problem(bad, 422)["errors"]] == ["recipient"]
    by_key = await client.get(
        "/admin/notifications",
        headers=await key(client, admin, "notifications:read"),
        params={"recipient": "crm-1"},
    )
    assert "acts as a service" in assert_problem(by_key, 403)["detail"]


async def test_channels_skipped_are_reported_and_none_left_is_a_422(
    root: None, client: Client
) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin, phone=None)
    sent = await client.post(
        "/notifications", headers=admin, json={"recipient": "crm-1", "text": "x"}
    )
    assert sent.status_code == 202, sent.text
    assert [n["channel"] for n in sent.json()["items"]] == ["email"]
    assert sent.json()["skipped"] == [
        {"channel": "sms", "reason": "the recipient's phone is not set"}
    ]
    refused = await client.post(
        "/notifications",
        headers=admin,
        json={"recipient": "crm-1", "text": "x", "channels": ["sms"]},
    )
    assert assert_problem(refused, 422)["errors"] == [
        {"field": "channels", "message": "sms: the recipient's phone is not set"}
    ]
    bad = await client.post(
        "/notifications",
        headers=admin,
        json={"recipient": "crm-1", "text": "x", "channels": ["fax"], "channel": "sms"},
    )
    assert {e["field"] for e in assert_problem(bad, 422)["errors"]} == {"channels"}


async def test_a_replay_returns_the_same_group(root: None, client: Client) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin, phone=None)
    writer = await key(client, admin, "notifications:write")
    keyed = {**writer, "Idempotency-Key": "order-7"}
    body = {"recipient": "crm-1", "text": "shipped"}
    first = await client.post("/notifications", headers=keyed, json=body)
    again = await client.post("/notifications", headers=keyed, json=body)
    assert first.status_code == again.status_code == 202
    assert again.json()["group_id"] == first.json()["group_id"]
    assert [n["id"] for n in again.json()["items"]] == [n["id"] for n in first.json()["items"]]
    assert again.json()["skipped"] == first.json()["skipped"]
    assert again.headers.get("Idempotent-Replayed") == "true"


async def test_a_template_is_rendered_per_channel_when_scheduled(
    root: None, client: Client
) -> None:
    admin = await as_root(client)
    r = await send_code(client, admin, "493 201")
    got = {n["channel"]: (n["title"], n["text"], n["segments"]) for n in r.json()["items"]}
    assert got == {
        "email": ("Your code", "Code: 493 201", None),
        "sms": (None, "Hi Ann Lee, your code is 493 201", 1),
    }
    [email] = [n for n in r.json()["items"] if n["channel"] == "email"]
    detail = (await client.get(f"/notifications/{email['id']}", headers=admin)).json()
    assert detail["html"] == "<p>Code: <b>493 201</b></p>"
    unknown = await client.post(
        "/notifications", headers=admin, json={"recipient": "crm-1", "template": "nope"}
    )
    assert assert_problem(unknown, 422)["errors"][0]["field"] == "template"
    missing = await client.post(
        "/notifications", headers=admin, json={"recipient": "crm-1", "template": "code"}
    )
    assert "data.code" in {e["field"] for e in assert_problem(missing, 422)["errors"]}
    email_only = {**TEMPLATE, "sms": None}
    assert (await client.put("/templates/mail", headers=admin, json=email_only)).status_code == 201
    no_sms = await client.post(
        "/notifications",
        headers=admin,
        json={"recipient": "crm-1", "template": "mail", "data": {"code": "1"}, "channels": ["sms"]},
    )
    assert assert_problem(no_sms, 422)["errors"][0]["field"] == "template.sms"
    both = await client.post(
        "/notifications",
        headers=admin,
        json={"recipient": "crm-1", "template": "code", "text": "x"},
    )
    assert assert_problem(both, 422)["errors"][0]["field"] == "template"


async def test_a_template_reading_a_field_the_recipient_lacks_is_a_422_naming_it(
    root: None, client: Client
) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin, phone=None)
    template = {
        "variables": [],
        "email": {"subject": "Call us", "text": "We will call {{ recipient.phone }}"},
    }
    assert (await client.put("/templates/call", headers=admin, json=template)).status_code == 201
    r = await client.post(
        "/notifications", headers=admin, json={"recipient": "crm-1", "template": "call"}
    )
    assert assert_problem(r, 422)["errors"] == [
        {
            "field": "recipient.phone",
            "message": "the recipient has no phone (email.text)",
        }
    ]


async def test_the_dev_outbox_shows_an_emails_html_as_text(root: None, client: Client) -> None:
    admin = await as_root(client)
    r = await send_code(client, admin, "<script>x</script>")
    for n in r.json()["items"]:
        await wait_for_status(client, admin, n["id"], "sent")
    page = await client.get("/dev/outbox", headers=admin)
    assert page.headers["content-type"] == "application/json"  # never a page that runs it
    sent = {e["channel"]: e for e in page.json()["items"]}
    assert sent["email"]["body"] == "Code: <script>x</script>"
    assert sent["email"]["html"] == "<p>Code: <b>&lt;script&gt;x&lt;/script&gt;</b></p>"
    assert sent["sms"]["html"] is None


async def test_quiet_hours_defer_unless_urgent(root: None, client: Client) -> None:
    admin = await as_root(client)
    now = datetime.now(UTC)
    quiet = {
        "start": f"{now - timedelta(hours=1):%H:%M}",
        "end": f"{now + timedelta(hours=2):%H:%M}",
    }
    await put_recipient(client, admin, timezone="UTC", quiet_hours=quiet)
    body = {"recipient": "crm-1", "text": "x", "channels": ["email"]}
    r = await client.post("/notifications", headers=admin, json=body)
    [n] = r.json()["items"]
    end = now.replace(second=0, microsecond=0) + timedelta(hours=2)
    assert datetime.fromisoformat(n["due_at"]) == end
    detail = (await client.get(f"/notifications/{n['id']}", headers=admin)).json()
    assert f"deferred until {end.isoformat()}" in detail["history"][0]["detail"]
    urgent = await client.post("/notifications", headers=admin, json=body | {"urgent": True})
    [u] = urgent.json()["items"]
    assert datetime.fromisoformat(u["due_at"]) < end
    await wait_for_status(client, admin, u["id"], "sent")


async def test_erasing_a_recipient_without_an_account_redacts_its_notifications(
    root: None, client: Client
) -> None:
    admin = await as_root(client)
    await put_recipient(client, admin)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = await client.post(
        "/notifications",
        headers=admin,
        json={"recipient": "crm-1", "text": "secret", "sendtime": later},
    )
    ids = [n["id"] for n in r.json()["items"]]
    assert (await client.delete("/recipients/crm-1", headers=admin)).status_code in (200, 204)
    for nid in ids:
        detail = (await client.get(f"/notifications/{nid}", headers=admin)).json()
        assert (detail["to"], detail["text"], detail["status"]) == ("", "", "canceled")
