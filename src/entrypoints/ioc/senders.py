"""Provider bindings: each channel's sender as its settings choose it (the real adapter, the
console senders that fill the dev outbox, or a disabled sender); webhook verifiers."""

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.console.notifications import ConsoleEmailSender, ConsoleSmsSender, DevOutbox
from adapters.disabled.notifications import DisabledSender
from adapters.sendgrid.notifications import SendGridEmailSender
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.twilio.notifications import TwilioSmsSender
from adapters.twilio.signature import TwilioSignatureVerifier
from application.notifications.config import ChannelSwitch
from application.ports.clock import Clock
from application.ports.notifications import EmailSender, SmsSender
from domain.preferences import Channel
from entrypoints.settings import Settings

TWILIO_STATUS_PATH = "/webhooks/twilio/status"


class SenderProvider(Provider):
    scope = Scope.APP

    @provide
    def outbox(self) -> DevOutbox:
        return DevOutbox()

    @provide
    async def sms_sender(
        self, settings: Settings, outbox: DevOutbox, clock: Clock
    ) -> AsyncIterator[SmsSender]:
        match settings.sms_sender():
            case "none":
                yield DisabledSender("sms")
                return
            case "console":
                yield ConsoleSmsSender(outbox, clock)
                return
        # sms_sender() chose twilio, so both are set.
        assert settings.twilio_account_sid
        assert settings.twilio_auth_token
        sender = TwilioSmsSender(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback_url=settings.public_url.rstrip("/") + TWILIO_STATUS_PATH,
            base_url=settings.twilio_base_url,
            timeout_seconds=settings.provider_timeout_seconds,
        )
        yield sender
        await sender.aclose()

    @provide
    async def email_sender(
        self, settings: Settings, outbox: DevOutbox, clock: Clock
    ) -> AsyncIterator[EmailSender]:
        match settings.email_sender():
            case "none":
                yield DisabledSender("email")
                return
            case "console":
                yield ConsoleEmailSender(outbox, clock)
                return
        assert settings.sendgrid_api_key
        assert settings.sendgrid_from_email
        sender = SendGridEmailSender(
            settings.sendgrid_api_key,
            settings.sendgrid_from_email,
            base_url=settings.sendgrid_base_url,
            timeout_seconds=settings.provider_timeout_seconds,
        )
        yield sender
        await sender.aclose()

    @provide
    def channels(self, settings: Settings) -> ChannelSwitch:
        off = {Channel.SMS} if settings.sms_sender() == "none" else set()
        if settings.email_sender() == "none":
            off.add(Channel.EMAIL)
        return ChannelSwitch(frozenset(off))

    @provide
    def twilio_verifier(self, settings: Settings) -> TwilioSignatureVerifier | None:
        """None when Twilio is not configured: nothing can be verified then."""
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            return None
        return TwilioSignatureVerifier(settings.twilio_auth_token)

    @provide
    def sendgrid_verifier(self, settings: Settings, clock: Clock) -> SendGridEventVerifier | None:
        """None when no key is configured: SendGrid's event webhook is then unsigned."""
        if not settings.sendgrid_webhook_public_key:
            return None
        return SendGridEventVerifier(
            settings.sendgrid_webhook_public_key, settings.webhook_max_age_seconds, clock
        )
