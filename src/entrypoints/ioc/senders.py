"""Provider bindings: the real SMS and email adapters when their credentials are set,
else the console senders of the embedded default; webhook verifiers; the dev outbox."""

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.providers.console import ConsoleEmailSender, ConsoleSmsSender, DevOutbox
from adapters.providers.sendgrid_email import SendGridEmailSender
from adapters.providers.sendgrid_signature import SendGridEventVerifier
from adapters.providers.twilio_signature import TwilioSignatureVerifier
from adapters.providers.twilio_sms import TwilioSmsSender
from application.ports.clock import Clock
from application.ports.delivery import EmailSender, SmsSender
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
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            yield ConsoleSmsSender(outbox, clock)
            return
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
        if not (settings.sendgrid_api_key and settings.sendgrid_from_email):
            yield ConsoleEmailSender(outbox, clock)
            return
        sender = SendGridEmailSender(
            settings.sendgrid_api_key,
            settings.sendgrid_from_email,
            base_url=settings.sendgrid_base_url,
            timeout_seconds=settings.provider_timeout_seconds,
        )
        yield sender
        await sender.aclose()

    @provide
    def twilio_verifier(self, settings: Settings) -> TwilioSignatureVerifier | None:
        """None when Twilio is not configured: nothing can be verified then."""
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            return None
        return TwilioSignatureVerifier(settings.twilio_auth_token)

    @provide
    def sendgrid_verifier(self, settings: Settings) -> SendGridEventVerifier | None:
        """None when no key is configured: SendGrid's event webhook is then unsigned."""
        if not settings.sendgrid_webhook_public_key:
            return None
        return SendGridEventVerifier(settings.sendgrid_webhook_public_key)
