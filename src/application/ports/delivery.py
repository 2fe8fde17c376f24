"""Ports for sending SMS and email through a provider, and the errors they may raise.

Adapters translate provider answers into these errors: timeouts, HTTP 429 and 5xx are
TransientDeliveryError (worth retrying); other 4xx are PermanentDeliveryError, with the
provider's own code and message; Twilio's 21610 is RecipientOptedOut.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str  # E.164, e.g. "+15105552054"
    body: str
    reference: str  # our notification id; lets a provider callback find the notification


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    body: str
    reference: str


@dataclass(frozen=True, slots=True)
class SendReceipt:
    provider: str  # "twilio", "sendgrid", "console"
    provider_message_id: str


class DeliveryError(Exception):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TransientDeliveryError(DeliveryError):
    """Timeouts, 429 and 5xx: the same send may succeed later."""

    def __init__(
        self, message: str, code: str | None = None, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(message, code)
        self.retry_after_seconds = retry_after_seconds


class PermanentDeliveryError(DeliveryError):
    """The provider refused the message for good (bad number, bad address, auth...)."""


class RecipientOptedOut(PermanentDeliveryError):
    """The recipient told the carrier STOP (Twilio error 21610)."""


class SmsSender(Protocol):
    provider: str  # the name its receipts carry ("twilio", "console"): labels its errors

    async def send(self, message: SmsMessage) -> SendReceipt: ...


class EmailSender(Protocol):
    provider: str

    async def send(self, message: EmailMessage) -> SendReceipt: ...
