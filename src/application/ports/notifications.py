from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.contacts import Channel
from domain.notifications import Notification, NotificationEvent, Status


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
    user_id: UUID | None = None  # its recipient
    status: Status | None = None
    channel: Channel | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before


class NotificationRepository(Protocol):
    async def add(self, notification: Notification) -> None:
        """Stage a new notification with its first history event."""
        ...

    async def get(self, notification_id: UUID) -> Notification | None: ...

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
        self,
        *,
        provider_message_id: str | None,
        notification_id: UUID | None,
        status: Status,
        detail: str,
        now: datetime,
        error_code: str | None = None,
        error: str | None = None,
    ) -> Notification | None:
        """Advance a notification found by its id or provider message id, if `status` is a
        forward move; returns the updated notification, or None when nothing changed."""
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
    notification_id: UUID
    created_at: datetime


class IdempotencyKeys(Protocol):
    async def get(self, user_id: UUID, key: str) -> IdempotencyRecord | None: ...

    async def add(self, record: IdempotencyRecord) -> None:
        """Raises Conflict when the (user, key) pair exists (a concurrent request won)."""
        ...


class ProviderEventLog(Protocol):
    async def first_time(self, provider: str, event_id: str, now: datetime) -> bool:
        """Record a provider's event id; False when it was seen before."""
        ...
