"""Senders of the embedded default: they log each message and keep it in a dev outbox
(readable at GET /dev/outbox) instead of talking to a provider."""

import itertools
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from application.paging import NUMBER_CURSORS, Page, page_of
from application.ports.clock import Clock
from application.ports.notifications import EmailMessage, SendReceipt, SmsMessage

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
    html: str | None = None  # an email's HTML alternative, as it would go to the provider


_SHOWN_CHARACTERS = 200


def _one_line(text: str) -> str:
    """`text` on one line (whitespace runs made one space), cut to a readable length."""
    line = " ".join(text.split())
    return line if len(line) <= _SHOWN_CHARACTERS else line[: _SHOWN_CHARACTERS - 1] + "…"


class DevOutbox:
    """The newest messages the console senders 'sent', bounded so it cannot grow forever;
    each is numbered in the order it came."""

    def __init__(self, capacity: int = 1000) -> None:
        self._entries: deque[tuple[int, OutboxEntry]] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def record(self, entry: OutboxEntry) -> None:
        self._entries.append((next(self._numbers), entry))
        # The line shows what was "sent", so that the console is enough to follow along.
        extra = {
            "body": _one_line(entry.body),
            "reference": entry.reference,
            "provider_message_id": entry.provider_message_id,
        }
        if entry.subject is not None:
            extra["subject"] = _one_line(entry.subject)
        log.info("dev outbox: %s to %s", entry.channel, entry.to, extra=extra)

    def entries(self) -> list[OutboxEntry]:
        return [entry for _, entry in self._entries]

    def newest(self, limit: int, before: int | None = None) -> Page[OutboxEntry]:
        """Up to `limit` entries, newest first, numbered below `before`; the next page's
        cursor holds the number of this page's last entry."""
        older = [(n, e) for n, e in reversed(self._entries) if before is None or n < before]
        page = page_of(older[: limit + 1], limit, lambda numbered: numbered[0], NUMBER_CURSORS)
        return Page([e for _, e in page.items], page.next_cursor)


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
                message.html,
            )
        )
        return receipt
