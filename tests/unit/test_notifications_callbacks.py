"""The inbound adapters of the providers' callbacks: a raw request (URL, headers, body)
becomes a verified ProviderStatusUpdate, or a domain error the HTTP layer maps to a 4xx."""

import json
import time
from uuid import UUID

import pytest

from adapters.clock import SystemClock
from adapters.sendgrid.events import UNSIGNED, SendGridEvents
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.twilio.callbacks import TwilioStatusCallbacks
from adapters.twilio.signature import TwilioSignatureVerifier
from application.ports.notifications import ProviderReport
from domain.errors import InvalidInput, PermissionDenied, Unreadable
from domain.notifications import Status
from tests.support.webhook_signing import SendGridSigner, twilio_signature

TOKEN = "twilio-auth-token"
CALLBACK = "https://herald.example.com/webhooks/twilio/status"
SID = "SM" + "a" * 32
NID = UUID("01a2005d-b470-7f6a-9b2b-7c7ca6c14368")


def twilio() -> TwilioStatusCallbacks:
    return TwilioStatusCallbacks(TwilioSignatureVerifier(TOKEN), CALLBACK)


def signed(form: dict[str, str], url: str = CALLBACK) -> dict[str, str]:
    return {"X-Twilio-Signature": twilio_signature(TOKEN, url, form)}


@pytest.mark.parametrize(
    ("reported", "status"),
    [
        ("sent", Status.SENT),
        ("delivered", Status.DELIVERED),
        ("read", Status.DELIVERED),
        ("undelivered", Status.FAILED),
        ("failed", Status.FAILED),
    ],
)
def test_twilio_statuses_map_to_ours(reported: str, status: Status) -> None:
    form = {"MessageSid": SID, "MessageStatus": reported}
    update = twilio().update("", form, signed(form))
    assert update.provider == "twilio"
    assert update.report == ProviderReport(
        status, f"twilio reported {reported}", provider_message_id=SID
    )
    assert not update.recipient_opted_out


def test_a_twilio_status_herald_does_not_track_is_acknowledged_without_a_report() -> None:
    form = {"MessageSid": SID, "MessageStatus": "queued"}
    assert twilio().update("", form, signed(form)).report is None


def test_twilio_error_codes_are_kept_and_21610_is_an_opt_out() -> None:
    form = {
        "MessageSid": SID,
        "MessageStatus": "undelivered",
        "ErrorCode": "21610",
        "ErrorMessage": "Attempt to send to unsubscribed recipient",
    }
    update = twilio().update("", form, signed(form))
    assert update.recipient_opted_out
    assert update.report == ProviderReport(
        Status.FAILED,
        "twilio reported undelivered (error 21610)",
        provider_message_id=SID,
        error_code="21610",
        error="Twilio error 21610: Attempt to send to unsubscribed recipient",
    )
    other = {**form, "ErrorCode": "30003", "ErrorMessage": ""}
    update = twilio().update("", other, signed(other))
    assert not update.recipient_opted_out
    assert update.report is not None
    assert update.report.error == "Twilio error 30003: see the Twilio error catalogue"


def test_twilio_values_are_cut_to_the_stored_size() -> None:
    form = {"MessageSid": "S" * 1000, "MessageStatus": "sent"}
    report = twilio().update("", form, signed(form)).report
    assert report is not None
    assert report.provider_message_id == "S" * 256


def test_the_twilio_signature_covers_the_public_url_and_its_query() -> None:
    form = {"MessageSid": SID, "MessageStatus": "sent"}
    with_query = signed(form, CALLBACK + "?attempt=2")
    assert twilio().update("attempt=2", form, with_query).report is not None
    with pytest.raises(PermissionDenied, match="X-Twilio-Signature"):
        twilio().update("", form, with_query)
    elsewhere = signed(form, "http://internal:8000/webhooks/twilio/status")
    with pytest.raises(PermissionDenied):
        twilio().update("", form, elsewhere)


@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "forged"}])
def test_an_unsigned_or_forged_twilio_callback_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(PermissionDenied, match="invalid X-Twilio-Signature"):
        twilio().update("", {"MessageSid": SID, "MessageStatus": "sent"}, headers)


def test_without_twilio_credentials_every_callback_is_refused() -> None:
    form = {"MessageSid": SID, "MessageStatus": "sent"}
    with pytest.raises(PermissionDenied, match="not configured"):
        TwilioStatusCallbacks(None, CALLBACK).update("", form, signed(form))


def test_nul_in_a_signed_twilio_callback_names_each_field() -> None:
    form = {"MessageSid": SID, "MessageStatus": "sent", "ErrorMessage": "a\0b", "x\0": "1"}
    with pytest.raises(InvalidInput) as bad:
        twilio().update("", form, signed(form))
    assert [e.field for e in bad.value.errors] == ["ErrorMessage", "x\0"]


def test_nul_in_a_forged_twilio_callback_is_a_403_first() -> None:
    with pytest.raises(PermissionDenied):
        twilio().update("", {"MessageSid": "\0"}, {"X-Twilio-Signature": "forged"})


SIGNER = SendGridSigner()


def sendgrid(*, accept_unsigned: bool = False) -> SendGridEvents:
    verifier = SendGridEventVerifier(SIGNER.public_key, 300, SystemClock())
    return SendGridEvents(verifier, accept_unsigned=accept_unsigned)


def body(events: object) -> bytes:
    return json.dumps(events).encode()


def test_sendgrid_events_map_to_ours() -> None:
    events = [
        {"event": "processed", "sg_event_id": "e1", "sg_message_id": "abc.filter0001.1.0"},
        {"event": "delivered", "sg_event_id": "e2", "herald_reference": str(NID)},
        {
            "event": "bounce",
            "sg_event_id": "e3",
            "herald_reference": str(NID),
            "status": "5.1.1",
            "reason": "550 no such user",
        },
        {"event": "dropped", "sg_event_id": "e4", "response": "spam"},
        {"event": "open", "sg_event_id": "e5"},
    ]
    payload = body(events)
    batch = sendgrid().batch(payload, SIGNER.headers(payload))
    assert batch.received == 5
    assert [u.event_id for u in batch.updates] == ["e1", "e2", "e3", "e4", "e5"]
    assert all(u.provider == "sendgrid" and not u.recipient_opted_out for u in batch.updates)
    assert [u.report for u in batch.updates] == [
        ProviderReport(Status.SENT, "sendgrid reported processed", provider_message_id="abc"),
        ProviderReport(Status.DELIVERED, "sendgrid reported delivered", notification_id=NID),
        ProviderReport(
            Status.FAILED,
            "sendgrid reported bounce: 550 no such user",
            notification_id=NID,
            error_code="5.1.1",
            error="550 no such user",
        ),
        ProviderReport(Status.FAILED, "sendgrid reported dropped: spam", error="spam"),
        None,  # open: acknowledged, its event id still counted once
    ]


def test_sendgrid_events_that_cannot_be_read_or_stored_are_skipped_one_by_one() -> None:
    events = [
        {"event": 5},
        "text",
        {"event": "delivered", "herald_reference": "not-a-uuid", "sg_event_id": "ok"},
        {"event": "bounce", "reason": "a\0b", "sg_event_id": "poisoned"},
        {"event": "delivered", "sg_event_id": "é-ü"},  # UTF-8 beyond ASCII is fine
    ]
    payload = body(events)
    batch = sendgrid().batch(payload, SIGNER.headers(payload))
    assert batch.received == 5
    assert [u.event_id for u in batch.updates] == ["ok", "é-ü"]
    assert batch.updates[0].report is not None
    assert batch.updates[0].report.notification_id is None


def test_a_forged_or_stale_sendgrid_batch_is_refused() -> None:
    payload = body([{"event": "bounce", "sg_event_id": "x"}])
    with pytest.raises(PermissionDenied, match="invalid or stale"):
        sendgrid().batch(payload, {})
    tampered = payload.replace(b"bounce", b"delivered")
    with pytest.raises(PermissionDenied):
        sendgrid().batch(tampered, SIGNER.headers(payload))
    old = SIGNER.headers(payload, timestamp=str(int(time.time()) - 301))
    with pytest.raises(PermissionDenied, match="older than 300 s"):
        sendgrid().batch(payload, old)


def test_unsigned_sendgrid_events_are_taken_only_when_told_to() -> None:
    payload = body([{"event": "delivered", "sg_event_id": "x"}])
    with pytest.raises(PermissionDenied) as refused:
        SendGridEvents(None, accept_unsigned=False).batch(payload, {})
    assert refused.value.message == UNSIGNED
    batch = SendGridEvents(None, accept_unsigned=True).batch(payload, {})
    assert [u.event_id for u in batch.updates] == ["x"]


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (b"\xff\xfe", "not valid JSON"),  # not even the start of a JSON text
        (b'[{"event": "\xff"}]', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"{not json", "not valid JSON"),
        (b'{"not": "an array"}', "must be a JSON array"),
    ],
)
def test_a_signed_sendgrid_body_that_is_not_a_json_array_is_unreadable(
    payload: bytes, detail: str
) -> None:
    with pytest.raises(Unreadable, match=detail):
        sendgrid().batch(payload, SIGNER.headers(payload))
