"""The container picks the real provider adapters exactly when their settings are set."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dishka import AsyncContainer

from adapters.console.notifications import ConsoleEmailSender, ConsoleSmsSender, DevOutbox
from adapters.sendgrid.notifications import SendGridEmailSender
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.twilio.notifications import TwilioSmsSender
from adapters.twilio.signature import TwilioSignatureVerifier
from application.notifications.config import ChannelSwitch
from application.ports.notifications import (
    EmailMessage,
    EmailSender,
    PermanentDeliveryError,
    SmsMessage,
    SmsSender,
)
from domain.preferences import Channel
from entrypoints.ioc import make_container
from tests.conftest import make_settings as make_settings
from tests.support.stubs.fixtures import RunningStub, provider_settings
from tests.support.stubs.sendgrid import SendGridStub
from tests.support.stubs.twilio import TwilioStub

# A P-256 public key (SubjectPublicKeyInfo, DER, base64), as SendGrid shows it.
WEBHOOK_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEm7cWrK7a8xGcv2LbKaV0fL1qfdJEdr0I4nt1dZHSciZNj5cXzP6QnA+NY3OY"
    "oJ4tBu23igoCVtvERAyIoKHrRQ=="
)


@pytest.fixture
async def providers_container(
    tmp_path: Path, twilio_stub: RunningStub[TwilioStub], sendgrid_stub: RunningStub[SendGridStub]
) -> AsyncIterator[AsyncContainer]:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path}/herald.db",
        public_url="https://herald.example.com/",
        sendgrid_from_email="noreply@herald.example.com",
        **provider_settings(twilio_stub, sendgrid_stub, WEBHOOK_KEY),
    )
    settings.validate()
    container = make_container(settings)
    yield container
    await container.close()


async def test_without_provider_settings_the_console_senders_share_the_outbox(
    container: AsyncContainer,
) -> None:
    sms, email = await container.get(SmsSender), await container.get(EmailSender)
    assert isinstance(sms, ConsoleSmsSender)
    assert isinstance(email, ConsoleEmailSender)
    await sms.send(SmsMessage("+15551230001", "hi", "ref-1"))
    await email.send(EmailMessage("ann@example.com", "s", "b", "ref-2"))
    outbox = await container.get(DevOutbox)
    assert [e.reference for e in outbox.entries()] == ["ref-1", "ref-2"]
    assert await container.get(TwilioSignatureVerifier | None) is None
    assert await container.get(SendGridEventVerifier | None) is None


async def test_with_credentials_the_real_adapters_are_used(
    providers_container: AsyncContainer,
    twilio_stub: RunningStub[TwilioStub],
    sendgrid_stub: RunningStub[SendGridStub],
) -> None:
    sms = await providers_container.get(SmsSender)
    email = await providers_container.get(EmailSender)
    assert isinstance(sms, TwilioSmsSender)
    assert isinstance(email, SendGridEmailSender)
    assert (await sms.send(SmsMessage("+15551230001", "hi", "ref-1"))).provider == "twilio"
    assert (await email.send(EmailMessage("ann@example.com", "s", "b", "r"))).provider == "sendgrid"
    [received] = twilio_stub.app.messages
    assert received.status_callback == "https://herald.example.com/webhooks/twilio/status"
    assert len(sendgrid_stub.app.messages) == 1
    twilio_verifier = await providers_container.get(TwilioSignatureVerifier | None)
    assert isinstance(twilio_verifier, TwilioSignatureVerifier)
    sendgrid_verifier = await providers_container.get(SendGridEventVerifier | None)
    assert isinstance(sendgrid_verifier, SendGridEventVerifier)


async def test_a_channel_set_to_none_is_off(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/herald.db", sms_provider="none")
    container = make_container(settings)
    try:
        assert await container.get(ChannelSwitch) == ChannelSwitch(frozenset({Channel.SMS}))
        sms = await container.get(SmsSender)
        with pytest.raises(PermanentDeliveryError, match="sms is turned off"):
            await sms.send(SmsMessage("+15551230001", "hi", "ref-1"))
        assert isinstance(await container.get(EmailSender), ConsoleEmailSender)
    finally:
        await container.close()
