"""SmsSender contract: the console sender, the scripted fake the use-case tests use, and
TwilioSmsSender against the local Twilio stub.

The sending tests run on all three. The refusal tests run on the scripted fake and
Twilio (the console sender cannot fail): each provider answer must raise the same error,
with the same code, from both, so that use-case tests see what production sees. The
wire details run on Twilio only.
"""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from adapters.clock import SystemClock
from adapters.console.notifications import ConsoleSmsSender, DevOutbox
from adapters.twilio.notifications import TwilioSmsSender
from application.ports.notifications import (
    DeliveryError,
    PermanentDeliveryError,
    RecipientOptedOut,
    SmsMessage,
    SmsSender,
    TransientDeliveryError,
)
from tests.support.fakes import Refusal, ScriptedSender
from tests.support.senders import (
    RefusingHarness,
    assert_recovers,
    assert_refuses,
    scripted_harness,
    stub_harness,
)
from tests.support.stubs import twilio as stub
from tests.support.stubs.fixtures import RunningStub
from tests.support.stubs.server import Scripted
from tests.support.stubs.twilio import TwilioStub

FROM = "+15005550006"
CALLBACK = "https://herald.example.com/webhooks/twilio/status"


@dataclass
class SmsHarness:
    sender: SmsSender
    provider: str
    sent: Callable[[], list[tuple[str, str]]]  # (to, body) as the provider received them


def twilio_sender(
    url: str,
    *,
    auth_token: str = stub.AUTH_TOKEN,
    from_number: str | None = FROM,
    messaging_service_sid: str | None = None,
    status_callback_url: str | None = CALLBACK,
    timeout_seconds: float = 5.0,
) -> TwilioSmsSender:
    return TwilioSmsSender(
        stub.ACCOUNT_SID,
        auth_token,
        from_number=from_number,
        messaging_service_sid=messaging_service_sid,
        status_callback_url=status_callback_url,
        base_url=url,
        timeout_seconds=timeout_seconds,
    )


@pytest.fixture(params=["console", "scripted", "twilio"])
async def sms(request: pytest.FixtureRequest) -> AsyncIterator[SmsHarness]:
    if request.param == "console":
        outbox = DevOutbox()
        yield SmsHarness(
            ConsoleSmsSender(outbox, SystemClock()),
            "console",
            lambda: [(e.to, e.body) for e in outbox.entries()],
        )
        return
    if request.param == "scripted":
        fake = ScriptedSender("twilio")
        yield SmsHarness(fake, "twilio", lambda: [(m.to, m.body) for m in fake.sent])
        return
    running: RunningStub[TwilioStub] = request.getfixturevalue("twilio_stub")
    sender = twilio_sender(running.url)
    yield SmsHarness(sender, "twilio", lambda: [(m.to, m.body) for m in running.app.messages])
    await sender.aclose()


async def test_a_sent_sms_returns_a_receipt_and_reaches_the_provider(sms: SmsHarness) -> None:
    receipt = await sms.sender.send(SmsMessage("+15551230001", "Your code is 1234", "ref-1"))
    assert receipt.provider == sms.provider == sms.sender.provider  # it labels its errors
    assert receipt.provider_message_id
    assert sms.sent() == [("+15551230001", "Your code is 1234")]


async def test_every_sms_gets_its_own_provider_id(sms: SmsHarness) -> None:
    first = await sms.sender.send(SmsMessage("+15551230001", "one", "ref-1"))
    second = await sms.sender.send(SmsMessage("+15551230001", "two", "ref-2"))
    assert first.provider_message_id != second.provider_message_id
    assert [body for _, body in sms.sent()] == ["one", "two"]


async def test_the_body_arrives_byte_for_byte(sms: SmsHarness) -> None:
    body = "Grüße 👋 a+b=c & 100% sure?\nline two"
    await sms.sender.send(SmsMessage("+15551230001", body, "ref-1"))
    assert sms.sent() == [("+15551230001", body)]


# --- Refusals: the scripted fake and Twilio alike ------------------------------------

# What the delivery engine relies on for each answer: the error and Twilio's code.
REFUSALS: dict[Refusal, tuple[type[DeliveryError], str | None]] = {
    Refusal.RATE_LIMITED: (TransientDeliveryError, "20429"),
    Refusal.SERVER_ERROR: (TransientDeliveryError, "20500"),
    Refusal.UNAVAILABLE: (TransientDeliveryError, "20503"),
    Refusal.TIMEOUT: (TransientDeliveryError, None),
    Refusal.INVALID_RECIPIENT: (PermanentDeliveryError, "21211"),
    Refusal.OPTED_OUT: (RecipientOptedOut, "21610"),
}
# The stub refuses these numbers so (asking to retry after 2 s when rate limited).
REFUSED_NUMBERS = {
    Refusal.RATE_LIMITED: stub.RATE_LIMITED,
    Refusal.SERVER_ERROR: stub.SERVER_ERROR,
    Refusal.UNAVAILABLE: stub.UNAVAILABLE,
    Refusal.TIMEOUT: stub.SLOW,
    Refusal.INVALID_RECIPIENT: stub.INVALID_NUMBER,
    Refusal.OPTED_OUT: stub.OPTED_OUT,
}


@pytest.fixture(params=["scripted", "twilio"])
async def refusing(request: pytest.FixtureRequest) -> AsyncIterator[RefusingHarness]:
    if request.param == "scripted":
        fake = ScriptedSender("twilio")
        yield scripted_harness(fake, lambda to: fake.send(sms_to(to)), REFUSED_NUMBERS)
        return
    running: RunningStub[TwilioStub] = request.getfixturevalue("twilio_stub")
    sender = twilio_sender(running.url, timeout_seconds=0.5)
    yield stub_harness(
        running.app,
        lambda to: sender.send(sms_to(to)),
        REFUSED_NUMBERS,
        lambda: [m.sid for m in running.app.messages],
    )
    await sender.aclose()


def sms_to(to: str) -> SmsMessage:
    return SmsMessage(to, "hi", "ref-1")


@pytest.mark.parametrize("refusal", list(Refusal))
async def test_each_refusal_raises_the_error_the_delivery_engine_handles(
    refusing: RefusingHarness, refusal: Refusal
) -> None:
    await assert_refuses(refusing, refusal, *REFUSALS[refusal])


async def test_a_send_succeeds_once_a_transient_failure_has_passed(
    refusing: RefusingHarness,
) -> None:
    await assert_recovers(refusing, "+15551230001")


# --- Twilio only: wire details and the answers only Twilio gives ---------------------


@pytest.fixture
async def twilio(twilio_stub: RunningStub[TwilioStub]) -> AsyncIterator[TwilioSmsSender]:
    sender = twilio_sender(twilio_stub.url, timeout_seconds=0.5)
    yield sender
    await sender.aclose()


async def test_twilio_sends_auth_sender_and_status_callback(
    twilio: TwilioSmsSender, twilio_stub: RunningStub[TwilioStub]
) -> None:
    receipt = await twilio.send(SmsMessage("+15551230001", "hi", "ref-1"))
    [received] = twilio_stub.app.messages
    assert receipt.provider_message_id == received.sid
    assert received.sid.startswith("SM")
    assert received.auth_user == stub.ACCOUNT_SID
    assert received.from_ == FROM
    assert received.messaging_service_sid is None
    assert received.status_callback == CALLBACK


async def test_twilio_can_send_through_a_messaging_service(
    twilio_stub: RunningStub[TwilioStub],
) -> None:
    sender = twilio_sender(
        twilio_stub.url,
        from_number=None,
        messaging_service_sid="MG" + "1" * 32,
        status_callback_url=None,
    )
    try:
        await sender.send(SmsMessage("+15551230001", "hi", "ref-1"))
    finally:
        await sender.aclose()
    [received] = twilio_stub.app.messages
    assert received.from_ is None
    assert received.messaging_service_sid == "MG" + "1" * 32
    assert received.status_callback is None


async def test_twilio_invalid_number_fails_for_good_with_twilios_code(
    twilio: TwilioSmsSender,
) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        await twilio.send(SmsMessage(stub.INVALID_NUMBER, "hi", "ref-1"))
    assert not isinstance(caught.value, RecipientOptedOut)
    assert caught.value.code == "21211"
    expected = f"The 'To' number {stub.INVALID_NUMBER} is not a valid phone number."
    assert caught.value.message == expected


async def test_twilio_timeout_is_transient(twilio: TwilioSmsSender) -> None:
    with pytest.raises(TransientDeliveryError, match="did not answer"):
        await twilio.send(SmsMessage(stub.SLOW, "hi", "ref-1"))


async def test_twilio_unreachable_is_transient() -> None:
    sender = twilio_sender("http://127.0.0.1:9", timeout_seconds=2.0)
    try:
        with pytest.raises(TransientDeliveryError, match="did not answer"):
            await sender.send(SmsMessage("+15551230001", "hi", "ref-1"))
    finally:
        await sender.aclose()


async def test_twilio_wrong_credentials_fail_for_good(twilio_stub: RunningStub[TwilioStub]) -> None:
    sender = twilio_sender(twilio_stub.url, auth_token="wrong")
    try:
        with pytest.raises(PermanentDeliveryError) as caught:
            await sender.send(SmsMessage("+15551230001", "hi", "ref-1"))
    finally:
        await sender.aclose()
    assert caught.value.code == "20003"
    assert twilio_stub.app.messages == []


async def test_twilio_a_proxy_error_page_is_transient(
    twilio: TwilioSmsSender, twilio_stub: RunningStub[TwilioStub]
) -> None:
    twilio_stub.app.script("+15551230001", Scripted(502, b"<html>Bad Gateway</html>"))
    with pytest.raises(TransientDeliveryError) as caught:
        await twilio.send(SmsMessage("+15551230001", "hi", "ref-1"))
    assert caught.value.code == "502"


async def test_twilio_an_unreadable_success_fails_without_a_500(
    twilio: TwilioSmsSender, twilio_stub: RunningStub[TwilioStub]
) -> None:
    twilio_stub.app.script("+15551230001", Scripted(201, b"not json"))
    with pytest.raises(PermanentDeliveryError, match="unreadable"):
        await twilio.send(SmsMessage("+15551230001", "hi", "ref-1"))
