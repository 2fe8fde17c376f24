"""Ports of notifications and their delivery engine.

- What users read and write (NotificationRepository), idempotency keys, the log of
  provider events.
- The delivery engine's steps (DeliveryRepository: claim, record outcomes, apply provider
  reports, recover), sending SMS and email through a provider, and the errors senders
  raise. Adapters translate provider answers into these errors: timeouts, HTTP 429 and
  5xx are TransientDeliveryError (worth retrying); other 4xx are PermanentDeliveryError,
  with the provider's own code and message; an opted-out recipient is RecipientOptedOut.
- Handing due notifications to workers, and waking the dispatcher when new work is due
  sooner than it planned to look.
- What the engine reports as it works, counted and timed by a metrics adapter: the
  workers' sends, and the dispatcher's hand-offs (two ports, so that a process exposes
  only the metrics of the work it does)."""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.notifications import Notification, NotificationEvent, Status
from domain.preferences import Channel


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What one send attempt came to: SENT, SCHEDULED (a retry at `due_at`) or FAILED."""

    notification_id: UUID
    status: Status
    detail: str
    due_at: datetime | None = None
    provider: str | None = None
    provider_message_id: str | None = None
    error_code: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    id: UUID
    due_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationFilter:
    """Which notifications a list shows; a field left None matches any."""

    involving: UUID | None = None  # its recipient or its creator
    user_id: UUID | None = None  # its recipient's account
    recipient_id: UUID | None = None  # its recipient
    status: Status | None = None
    channel: Channel | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before


@dataclass(frozen=True, slots=True)
class NewNotification:
    notification: Notification
    detail: str | None = None  # of its first history event; None: when it is due


class NotificationIntake(Protocol):
    """The write of a request that schedules notifications: its notifications, each with
    its first history event, and its idempotency record, all or nothing, and durable when
    `add` returns. On PostgreSQL that is one statement, outside the request's unit of work
    (the hottest write: one round trip), so it must be the request's only write."""

    async def add(
        self, items: Sequence[NewNotification], record: "IdempotencyRecord | None" = None
    ) -> None:
        """Raises Conflict, storing nothing, when the record's (caller, key) pair exists
        (a concurrent request won); the caller is a user's id or an API key's."""
        ...


class NotificationRepository(Protocol):
    """What users see and do: lists, histories, cancels."""

    async def get(self, notification_id: UUID) -> Notification | None: ...

    async def group(self, group_id: UUID) -> list[Notification]:
        """The notifications one POST made (the group id is one of their ids), by id."""
        ...

    async def find(
        self, where: NotificationFilter, *, limit: int, before: UUID | None
    ) -> list[Notification]:
        """Newest first; `before` is the id of the last row of the previous page."""
        ...

    async def events(self, notification_id: UUID) -> list[NotificationEvent]:
        """The status history, oldest first."""
        ...

    async def histories(self, ids: Sequence[UUID]) -> dict[UUID, list[NotificationEvent]]:
        """The status history of each of `ids`, oldest first, in one read."""
        ...

    async def cancel(self, notification_id: UUID, now: datetime) -> bool:
        """scheduled|queued -> canceled; False when the row was in another status."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderReport:
    """What a provider said later about a message it took: its new status, found by our
    notification id (when the provider echoes it) or else by the provider's message id."""

    status: Status
    detail: str
    provider_message_id: str | None = None
    notification_id: UUID | None = None
    error_code: str | None = None
    error: str | None = None


class DeliveryRepository(Protocol):
    """The delivery engine's steps over the stored notifications (the outbox): the
    dispatcher claims due rows, workers claim and settle them, provider reports move them
    on, and expired leases are recovered."""

    async def claim_due(
        self, until: datetime, limit: int, lease_until: datetime, *, now: datetime | None = None
    ) -> list[Claimed]:
        """Move up to `limit` scheduled rows due by `until` (earliest first) to queued,
        leased until `lease_until`, at time `now` (default: `until`); concurrent callers
        never get the same row."""
        ...

    async def next_due_at(self) -> datetime | None:
        """The earliest due time of a scheduled row."""
        ...

    async def count_due(self, now: datetime) -> int:
        """How many scheduled rows are due by `now`."""
        ...

    async def claim_for_sending(
        self, ids: Sequence[UUID], now: datetime, lease_until: datetime
    ) -> list[Notification]:
        """queued -> sending with attempts + 1, for those of `ids` still queued; the rest
        (already taken, canceled, done) are left alone, which makes delivery idempotent."""
        ...

    async def record_outcomes(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        """Apply the outcome of attempts this caller claimed (rows still in sending)."""
        ...

    async def apply_provider_status(
        self, report: ProviderReport, now: datetime
    ) -> Notification | None:
        """Advance the notification found by the report's notification id or else its
        provider message id, if the report's status is a forward move; returns the updated
        notification, or None when nothing changed."""
        ...

    async def recover_expired(self, now: datetime) -> int:
        """queued|sending rows whose lease ran out -> scheduled, due now (their worker
        died or the message was lost); returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    user_id: UUID
    key: str
    body_hash: str
    notification_id: UUID  # the first of its group
    created_at: datetime
    skipped: tuple[tuple[Channel, str], ...] = ()  # the channels it skipped, and why


class IdempotencyKeys(Protocol):
    """The records NotificationIntake stores, read back for a replay."""

    async def get(self, user_id: UUID, key: str) -> IdempotencyRecord | None: ...


class ProviderEventLog(Protocol):
    async def first_time(self, provider: str, event_id: str, now: datetime) -> bool:
        """Record a provider's event id; False when it was seen before."""
        ...


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
    html: str | None = None  # sent beside `body` as the HTML alternative


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
    """The recipient told the carrier STOP (each adapter knows its provider's code for it)."""


class SmsSender(Protocol):
    provider: str  # the name its receipts carry ("twilio", "console"): labels its errors

    async def send(self, message: SmsMessage) -> SendReceipt: ...


class EmailSender(Protocol):
    provider: str

    async def send(self, message: EmailMessage) -> SendReceipt: ...


class SendQueue(Protocol):
    async def enqueue(self, ids: Sequence[UUID]) -> None:
        """Hand these (queued) notifications to a worker; delivered at least once."""
        ...


class SchedulerWakeup(Protocol):
    """The producers' side of the dispatcher's wake-up."""

    async def notify(self, due_at: datetime) -> None:
        """Work is due at `due_at`; best effort (the scheduler also polls)."""
        ...


class DispatcherWakeup(Protocol):
    """The dispatcher's side: it sleeps on this until its next due time or a notify."""

    async def start(self) -> None:
        """Listen from now on: a notify after this is not lost, even before a wait."""
        ...

    async def wait(self, until: datetime) -> bool:
        """Return at `until` (False), or earlier when notified (True); a notify that came
        while nobody waited ends the next wait at once, and is consumed by it."""
        ...

    async def close(self) -> None:
        """Stop listening."""
        ...


class AttemptOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the provider took the message
    TRANSIENT = "transient"  # timeout, 429 or 5xx: worth retrying
    REFUSED = "refused"  # the provider refused it for good (opted out included)
    ERROR = "error"  # an unexpected error in Herald itself, retried like a transient one


class DeliveryMetrics(Protocol):
    def attempt_ended(self, channel: Channel, outcome: AttemptOutcome) -> None:
        """One send attempt is over."""
        ...

    def provider_failed(self, provider: str, code: str | None) -> None:
        """A provider answered an attempt with an error; `code` is its own error code,
        None when there was none (a timeout)."""
        ...

    def accepted_late(self, channel: Channel, seconds: float) -> None:
        """A provider accepted a notification `seconds` after it was due."""
        ...

    def delivery_ended(self, channel: Channel, status: Status) -> None:
        """The engine is done with a notification: SENT or FAILED (stored)."""
        ...


class DispatchMetrics(Protocol):
    def handed_over(self, late_by_seconds: float) -> None:
        """A dispatcher round ended; `late_by_seconds` is how long the earliest
        notification it handed to the workers had been due (0 when it handed none)."""
        ...

    def due_counted(self, count: int) -> None:
        """`count` notifications are due and not yet handed to the workers."""
        ...
