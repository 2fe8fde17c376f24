"""Delivery through the real adapters against the local Twilio and SendGrid stubs:
retries, permanent failures, opt-out, and the signed provider callbacks."""

import json
import logging
import time
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.runtime import build_api
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import bearer
from tests.support.notifications import client, wait_for_status
from tests.support.stubs import sendgrid as sg
from tests.support.stubs import twilio as tw
from tests.support.stubs.fixtures import RunningStub, provider_settings
from tests.support.stubs.server import Scripted
from tests.support.webhook_signing import SendGridSigner, twilio_signature

__all__ = ["client"]  # a fixture: the app with its delivery engine

Client = AsyncTestClient[Any]
PUBLIC_URL = "https://herald.example.com"
SIGNER = SendGridSigner()


@pytest.fixture
def settings(
    sqlite_url: str,
    twilio_stub: RunningStub[tw.TwilioStub],
    sendgrid_stub: RunningStub[sg.SendGridStub],
) -> Settings:
    return make_settings(
        sqlite_url,
        public_url=PUBLIC_URL,
        sendgrid_from_email="herald@example.com",
        **provider_settings(twilio_stub, sendgrid_stub, SIGNER.public_key),
        provider_timeout_seconds=2.0,
        notify_backoff_base_seconds=0.05,
        notify_max_attempts=3,
    )


async def sms_user(client: Client, phone: str, name: str = "ann") -> dict[str, str]:
    return await bearer(client, name, preferences={"notify_pref": "sms", "phone": phone})


async def send(client: Client, headers: dict[str, str], **body: Any) -> str:
    r = await client.post("/notifications", headers=headers, json={"text": "hello", **body})
    assert r.status_code == 202, r.text
    return str(r.json()["items"][0]["id"])


async def test_sms_through_twilio(client: Client, twilio_stub: RunningStub[tw.TwilioStub]) -> None:
    headers = await sms_user(client, "+15105552054")
    nid = await send(client, headers, title="Hi")
    detail = await wait_for_status(client, headers, nid, "sent")
    sms = twilio_stub.app.messages[0]
    assert sms.to == "+15105552054"
    assert sms.body == "Hi\nhello"
    assert sms.status_callback == f"{PUBLIC_URL}/webhooks/twilio/status"
    assert detail["provider"] == "twilio"
    assert detail["provider_message_id"] == sms.sid


async def test_transient_error_is_retried(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    headers = await sms_user(client, "+15105552054")
    twilio_stub.app.script("+15105552054", Scripted(500, tw.error_json(500, 20500), times=1))
    nid = await send(client, headers)
    detail = await wait_for_status(client, headers, nid, "sent")
    assert detail["attempts"] == 2
    assert [h["status"] for h in detail["history"]].count("scheduled") == 2  # created + retry
    assert detail["last_error"]["code"] == "20500"


async def test_retries_run_out(client: Client) -> None:
    headers = await sms_user(client, tw.UNAVAILABLE)
    nid = await send(client, headers)
    detail = await wait_for_status(client, headers, nid, "failed")
    assert detail["attempts"] == 3
    assert detail["last_error"]["code"] == "20503"
    assert "gave up after 3 attempts" in detail["history"][-1]["detail"]


async def test_permanent_error_fails_at_once(client: Client) -> None:
    headers = await sms_user(client, tw.INVALID_NUMBER)
    nid = await send(client, headers)
    detail = await wait_for_status(client, headers, nid, "failed")
    assert detail["attempts"] == 1
    assert detail["last_error"]["code"] == "21211"
    assert "not a valid phone number" in detail["last_error"]["message"]


async def test_opted_out_recipient_marks_the_phone(client: Client) -> None:
    headers = await sms_user(client, tw.OPTED_OUT)
    nid = await send(client, headers)
    detail = await wait_for_status(client, headers, nid, "failed")
    assert detail["last_error"]["code"] == "21610"
    assert detail["attempts"] == 1
    prefs = (await client.get("/preferences", headers=headers)).json()
    assert prefs["sms_opted_out"] is True
    r = await client.post("/notifications", headers=headers, json={"text": "again"})
    assert r.status_code == 422
    assert "opted out" in r.json()["detail"]
    r = await client.patch("/preferences", headers=headers, json={"phone": "+15105552054"})
    assert r.json()["sms_opted_out"] is False


def twilio_form(sid: str, status: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": tw.ACCOUNT_SID, **extra}


async def post_twilio(client: Client, form: dict[str, str], signature: str | None = None) -> int:
    url = f"{PUBLIC_URL}/webhooks/twilio/status"
    sig = signature if signature is not None else twilio_signature(tw.AUTH_TOKEN, url, form)
    r = await client.post("/webhooks/twilio/status", data=form, headers={"X-Twilio-Signature": sig})
    return r.status_code


async def test_twilio_status_callback_is_monotonic(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    headers = await sms_user(client, "+15105552054")
    nid = await send(client, headers)
    sid = (await wait_for_status(client, headers, nid, "sent"))["provider_message_id"]
    assert await post_twilio(client, twilio_form(sid, "delivered")) == 204
    assert await post_twilio(client, twilio_form(sid, "sent")) == 204  # late: ignored
    assert await post_twilio(client, twilio_form(sid, "delivered")) == 204  # repeated: ignored
    detail = (await client.get(f"/notifications/{nid}", headers=headers)).json()
    assert detail["status"] == "delivered"
    assert [h["status"] for h in detail["history"]].count("delivered") == 1
    assert await post_twilio(client, twilio_form("SMunknown", "delivered")) == 204


async def test_twilio_callback_with_a_bad_signature_is_refused(client: Client) -> None:
    assert await post_twilio(client, twilio_form("SM1", "delivered"), signature="forged") == 403
    form = twilio_form("SM1", "delivered")
    signed_elsewhere = twilio_signature(
        tw.AUTH_TOKEN, "http://testserver.local/webhooks/twilio/status", form
    )
    assert await post_twilio(client, form, signature=signed_elsewhere) == 403


async def test_twilio_undelivered_with_21610_marks_opt_out(client: Client) -> None:
    headers = await sms_user(client, "+15105552054")
    nid = await send(client, headers)
    sid = (await wait_for_status(client, headers, nid, "sent"))["provider_message_id"]
    assert await post_twilio(client, twilio_form(sid, "undelivered", ErrorCode="21610")) == 204
    detail = (await client.get(f"/notifications/{nid}", headers=headers)).json()
    assert detail["status"] == "failed"
    assert detail["last_error"]["code"] == "21610"
    assert (await client.get("/preferences", headers=headers)).json()["sms_opted_out"] is True


async def post_sendgrid(client: Client, events: list[dict[str, Any]], *, sign: bool = True) -> int:
    payload = json.dumps(events).encode()
    headers = {"Content-Type": "application/json"}
    headers |= SIGNER.headers(payload) if sign else {}
    r = await client.post("/webhooks/sendgrid/events", content=payload, headers=headers)
    return r.status_code


async def test_email_through_sendgrid_and_its_events(
    client: Client, sendgrid_stub: RunningStub[sg.SendGridStub]
) -> None:
    headers = await bearer(
        client, "ann", preferences={"notify_pref": "email", "email": "ann@example.com"}
    )
    nid = await send(client, headers, title="Subject")
    sent = await wait_for_status(client, headers, nid, "sent")
    mail = sendgrid_stub.app.messages[0]
    assert mail.to == ["ann@example.com"]
    assert mail.subject == "Subject"
    assert sent["provider"] == "sendgrid"
    assert sent["provider_message_id"] == mail.message_id
    sg_id = f"{mail.message_id}.filter0001.1.0"
    delivered = {
        "event": "delivered",
        "sg_event_id": "ev-2",
        "sg_message_id": sg_id,
        "herald_reference": nid,
    }
    processed = {"event": "processed", "sg_event_id": "ev-1", "sg_message_id": sg_id}
    assert (
        await post_sendgrid(
            client, [delivered, processed, {"event": "open", "sg_event_id": "ev-3"}]
        )
        == 204
    )
    assert await post_sendgrid(client, [delivered]) == 204  # the same event again
    detail = (await client.get(f"/notifications/{nid}", headers=headers)).json()
    assert detail["status"] == "delivered"
    assert [h["status"] for h in detail["history"]].count("delivered") == 1
    assert (
        await post_sendgrid(
            client, [{"event": "bounce", "sg_event_id": "ev-9", "herald_reference": nid}]
        )
        == 204
    )
    assert (await client.get(f"/notifications/{nid}", headers=headers)).json()[
        "status"
    ] == "delivered"


async def test_sendgrid_events_need_a_valid_signature_and_a_json_array(client: Client) -> None:
    assert await post_sendgrid(client, [{"event": "delivered"}], sign=False) == 403
    payload = b'{"not": "an array"}'
    headers = {"Content-Type": "application/json", **SIGNER.headers(payload)}
    r = await client.post("/webhooks/sendgrid/events", content=payload, headers=headers)
    assert r.status_code == 400
    odd: list[Any] = [
        {"event": 5},
        "text",
        {"event": "delivered", "herald_reference": "not-a-uuid"},
    ]
    assert await post_sendgrid(client, odd) == 204


async def test_sendgrid_permanent_error(client: Client) -> None:
    headers = await bearer(
        client, "ann", preferences={"notify_pref": "email", "email": sg.INVALID_ADDRESS}
    )
    nid = await send(client, headers)
    detail = await wait_for_status(client, headers, nid, "failed")
    assert detail["attempts"] == 1
    assert detail["last_error"]["message"]


async def test_a_sendgrid_batch_applies_its_good_events_and_skips_one_holding_nul(
    client: Client,
) -> None:
    headers = await bearer(
        client, "ann", preferences={"notify_pref": "email", "email": "ann@example.com"}
    )
    nid = await send(client, headers)
    await wait_for_status(client, headers, nid, "sent")
    poisoned = {"event": "bounce", "sg_event_id": "ev-x", "herald_reference": nid, "reason": "a\0b"}
    delivered = {"event": "delivered", "sg_event_id": "ev-d", "herald_reference": nid}
    assert await post_sendgrid(client, [poisoned, delivered]) == 204
    detail = (await client.get(f"/notifications/{nid}", headers=headers)).json()
    assert detail["status"] == "delivered"  # the bounce holding NUL was skipped


async def test_a_twilio_callback_holding_nul_is_a_422_naming_the_field(client: Client) -> None:
    form = twilio_form("SM1", "delivered", ErrorMessage="bad\0byte")
    url = f"{PUBLIC_URL}/webhooks/twilio/status"
    r = await client.post(
        "/webhooks/twilio/status",
        data=form,
        headers={"X-Twilio-Signature": twilio_signature(tw.AUTH_TOKEN, url, form)},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": "ErrorMessage", "message": "must not contain NUL characters"}
    ]


async def test_a_stale_sendgrid_signature_is_refused(client: Client) -> None:
    payload = json.dumps([{"event": "delivered", "sg_event_id": "ev-old"}]).encode()
    old = str(int(time.time()) - 301)
    headers = {"Content-Type": "application/json", **SIGNER.headers(payload, timestamp=old)}
    r = await client.post("/webhooks/sendgrid/events", content=payload, headers=headers)
    assert r.status_code == 403
    assert "stale" in r.json()["detail"]


async def test_production_refuses_unsigned_sendgrid_events_and_says_so_at_start(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        sqlite_url,
        broker_url="redis://127.0.0.1:6379/13",
        sms_provider="console",
        email_provider="console",
    )
    caplog.set_level(logging.WARNING, logger="herald")
    app = build_api(settings)
    assert "HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY" in caplog.text
    async with AsyncTestClient(app) as production:
        r = await production.post(
            "/webhooks/sendgrid/events", json=[{"event": "bounce", "sg_event_id": "forged"}]
        )
    assert r.status_code == 403
    assert "HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY" in r.json()["detail"]
