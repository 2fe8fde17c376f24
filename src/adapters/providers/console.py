"""Senders of the embedded default: they log each message and keep it in a dev outbox
(readable at GET /dev/outbox) instead of talking to a provider."""

import itertools
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from application.ports.clock import Clock
from application.ports.delivery import EmailMessage, SendReceipt, SmsMessage

log = logging.getLogger("herald.console_sender")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    channel: str  # "sms" | "email"
    to: str
    subject: str | None
    body: str
    reference: str
    provider_message_id: str
    sent_at: datetime


class DevOutbox:
    """The newest messages the console senders 'sent', bounded so it cannot grow forever."""

    def __init__(self, capacity: int = 1000) -> None:
        self._entries: deque[OutboxEntry] = deque(maxlen=capacity)
        self._ids = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def record(self, entry: OutboxEntry) -> None:
        self._entries.append(entry)
        log.info(
            "dev outbox: %s to %s",
            entry.channel,
            entry.to,
            extra={"reference": entry.reference, "provider_message_id": entry.provider_message_id},
        )

    def entries(self) -> list[OutboxEntry]:
        return list(self._entries)


class ConsoleSmsSender:
    provider = "console"

    def __init__(self, outbox: DevOutbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    async def send(self, message: SmsMessage) -> SendReceipt:
        receipt = SendReceipt(self.provider, self._outbox.next_id("SMdev"))
        self._outbox.record(
            OutboxEntry(
                "sms",
                message.to,
                None,
                message.body,
                message.reference,
                receipt.provider_message_id,
                self._clock.now(),
            )
        )
        return receipt


class ConsoleEmailSender:
    provider = "console"

    def __init__(self, outbox: DevOutbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    async def send(self, message: EmailMessage) -> SendReceipt:
        receipt = SendReceipt(self.provider, self._outbox.next_id("EMdev"))
        self._outbox.record(
            OutboxEntry(
                "email",
                message.to,
                message.subject,
                message.body,
                message.reference,
                receipt.provider_message_id,
                self._clock.now(),
            )
        )
        return receipt
