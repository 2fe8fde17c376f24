"""The delivery metrics, after sends through the real Twilio and SendGrid adapters against
their local stubs, with the engine in-process as the embedded default runs it: they
appear at the API's /metrics."""

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import bearer
from tests.support.metrics import Samples, parse_samples, value
from tests.support.notifications import client, wait_for_status
from tests.support.stubs import sendgrid as sg
from tests.support.stubs import twilio as tw
from tests.support.stubs.fixtures import RunningStub, provider_settings
from tests.support.stubs.server import Scripted
from tests.support.webhook_signing import SendGridSigner

__all__ = ["client"]  # a fixture: the app with its delivery engine

Client = AsyncTestClient[Any]
RETRIED_ONCE = "+15105552054"


@pytest.fixture
def settings(
    sqlite_url: str,
    twilio_stub: RunningStub[tw.TwilioStub],
    sendgrid_stub: RunningStub[sg.SendGridStub],
) -> Settings:
    return make_settings(
        sqlite_url,
        sendgrid_from_email="herald@example.com",
        **provider_settings(twilio_stub, sendgrid_stub, SendGridSigner().public_key),
        provider_timeout_seconds=2.0,
        notify_backoff_base_seconds=0.05,
    )


async def scrape(client: Client) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return parse_samples(response.text)


async def notify(client: Client, name: str, **preferences: str) -> tuple[dict[str, str], str]:
    headers = await bearer(client, name, preferences=preferences)
    r = await client.post("/notifications", headers=headers, json={"text": "hello"})
    assert r.status_code == 202, r.text
    return headers, str(r.json()["items"][0]["id"])


async def test_sends_are_counted_by_outcome_provider_code_and_lateness(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    twilio_stub.app.script(RETRIED_ONCE, Scripted(500, tw.error_json(500, 20500), times=1))
    sends = [
        (await notify(client, "ann", notify_pref="sms", phone=RETRIED_ONCE), "sent"),
        (await notify(client, "bob", notify_pref="sms", phone=tw.INVALID_NUMBER), "failed"),
        (await notify(client, "cyd", notify_pref="sms", phone=tw.OPTED_OUT), "failed"),
        (await notify(client, "eve", notify_pref="email", email="eve@example.com"), "sent"),
    ]
    for (headers, nid), status in sends:
        await wait_for_status(client, headers, nid, status)
    samples = await scrape(client)

    attempts = "herald_delivery_attempts_total"
    assert value(samples, attempts, channel="sms", outcome="accepted") == 1
    assert value(samples, attempts, channel="sms", outcome="transient") == 1
    assert value(samples, attempts, channel="sms", outcome="refused") == 2
    assert value(samples, attempts, channel="email", outcome="accepted") == 1
    assert value(samples, attempts, channel="sms", outcome="error") is None
    errors = "herald_provider_errors_total"
    for code in ("20500", "21211", "21610"):  # 500 once, an invalid number, opted out
        assert value(samples, errors, provider="twilio", code=code) == 1
    assert value(samples, errors, provider="sendgrid", code="none") is None
    finished = "herald_notifications_finished_total"
    assert value(samples, finished, channel="sms", status="sent") == 1
    assert value(samples, finished, channel="sms", status="failed") == 2
    assert value(samples, finished, channel="email", status="sent") == 1
    late = "herald_delivery_lateness_seconds"
    for channel in ("sms", "email"):
        assert value(samples, f"{late}_count", channel=channel) == 1
        # Accepted well within 2.5 s of its due time (the SMS after one quick retry).
        assert value(samples, f"{late}_bucket", channel=channel, le="2.5") == 1
        assert value(samples, f"{late}_bucket", channel=channel, le="0.005") == 0
    assert value(samples, "herald_dispatch_lag_seconds") is not None
