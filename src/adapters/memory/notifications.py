"""In-memory fakes of the notification ports: for unit tests, and held to the same
contract suite as the SQL adapters."""

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from application.ports.notifications import (
    Claimed,
    DeliveryOutcome,
    IdempotencyRecord,
    NewNotification,
    NotificationFilter,
    ProviderReport,
)
from domain.errors import Conflict
from domain.notifications import Notification, NotificationEvent, Status, can_advance

ERASED = "canceled: the recipient was erased"


class InMemoryNotificationRepository:
    """Both notification ports over one dict of rows: what users see (NotificationRepository)
    and the engine's steps (DeliveryRepository), as the SQL adapters share one table."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        store = store or MemoryStore()
        self._rows: dict[UUID, Notification] = store.dict_table()
        self._leases: dict[UUID, datetime] = store.dict_table()
        self._events: list[NotificationEvent] = store.list_table()

    def _event(self, n: Notification, now: datetime, detail: str | None) -> None:
        self._events.append(NotificationEvent(n.id, n.status, now, detail))

    def insert(self, notification: Notification, detail: str | None) -> None:
        n = notification
        self._rows[n.id] = n
        self._event(n, n.created_at, detail or f"due {n.due_at.isoformat()}")

    async def get(self, notification_id: UUID) -> Notification | None:
        return self._rows.get(notification_id)

    def made_by(self, fanout_id: UUID) -> list[Notification]:
        return [n for n in self._rows.values() if n.fanout_id == fanout_id]

    def cancel_unsent(self, fanout_id: UUID, now: datetime, detail: str) -> int:
        """Cancel a fan-out's notifications not sending yet: how many."""
        unsent = [n for n in self.made_by(fanout_id) if can_advance(n.status, Status.CANCELED)]
        for n in unsent:
            self._set(replace(n, status=Status.CANCELED, updated_at=now), now, detail)
        return len(unsent)

    async def group(self, group_id: UUID) -> list[Notification]:
        return sorted((n for n in self._rows.values() if n.group == group_id), key=lambda n: n.id)

    async def find(
        self, where: NotificationFilter, *, limit: int, before: UUID | None
    ) -> list[Notification]:
        rows = sorted(
            (
                n
                for n in self._rows.values()
                if _matches(n, where) and (before is None or n.id < before)
            ),
            key=lambda n: n.id,
            reverse=True,
        )
        return rows[:limit]

    async def events(self, notification_id: UUID) -> list[NotificationEvent]:
        return [e for e in self._events if e.notification_id == notification_id]

    async def histories(self, ids: Sequence[UUID]) -> dict[UUID, list[NotificationEvent]]:
        return {i: await self.events(i) for i in ids}

    async def cancel(self, notification_id: UUID, now: datetime) -> bool:
        n = self._rows.get(notification_id)
        if n is None or not can_advance(n.status, Status.CANCELED):
            return False
        self._set(replace(n, status=Status.CANCELED, updated_at=now), now, "canceled by the user")
        return True

    async def redact_notifications_of(self, recipient_id: UUID, now: datetime) -> int:
        theirs = {i for i, n in self._rows.items() if n.recipient_id == recipient_id}
        self._events[:] = [
            replace(e, detail=None) if e.notification_id in theirs else e for e in self._events
        ]
        for i in theirs:
            n = self._rows[i]
            if can_advance(n.status, Status.CANCELED):
                self._set(replace(n, status=Status.CANCELED), now, ERASED)
            self._rows[i] = replace(
                self._rows[i],
                to="",
                title=None,
                text="",
                html=None,
                last_error=None,
                updated_at=now,
            )
        return len(theirs)

    def _set(self, n: Notification, now: datetime, detail: str | None) -> None:
        self._rows[n.id] = n
        self._event(n, now, detail)

    async def claim_due(
        self, until: datetime, limit: int, lease_until: datetime, *, now: datetime | None = None
    ) -> list[Claimed]:
        at = now or until
        due = sorted(
            (n for n in self._rows.values() if n.status is Status.SCHEDULED and n.due_at <= until),
            key=lambda n: n.due_at,
        )[:limit]
        for n in due:
            self._set(replace(n, status=Status.QUEUED, updated_at=at), at, None)
            self._leases[n.id] = lease_until
        return [Claimed(n.id, n.due_at) for n in due]

    async def next_due_at(self) -> datetime | None:
        return min(
            (n.due_at for n in self._rows.values() if n.status is Status.SCHEDULED), default=None
        )

    async def count_due(self, now: datetime) -> int:
        return sum(
            1 for n in self._rows.values() if n.status is Status.SCHEDULED and n.due_at <= now
        )

    async def claim_for_sending(
        self, ids: Sequence[UUID], now: datetime, lease_until: datetime
    ) -> list[Notification]:
        claimed = []
        for notification_id in ids:
            n = self._rows.get(notification_id)
            if n is None or n.status is not Status.QUEUED:
                continue
            n = replace(n, status=Status.SENDING, attempts=n.attempts + 1, updated_at=now)
            self._set(n, now, f"attempt {n.attempts}")
            self._leases[n.id] = lease_until
            claimed.append(n)
        return claimed

    async def record_outcomes(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        for o in outcomes:
            n = self._rows.get(o.notification_id)
            if n is None or n.status is not Status.SENDING:
                continue
            n = replace(
                n,
                status=o.status,
                updated_at=now,
                due_at=o.due_at or n.due_at,
                provider=o.provider or n.provider,
                provider_message_id=o.provider_message_id or n.provider_message_id,
                last_error_code=o.error_code if o.error else n.last_error_code,
                last_error=o.error or n.last_error,
            )
            self._leases.pop(n.id, None)
            self._set(n, now, o.detail)

    async def apply_provider_status(
        self, report: ProviderReport, now: datetime
    ) -> Notification | None:
        r = report
        n = self._rows.get(r.notification_id) if r.notification_id else None
        if n is None and r.provider_message_id:
            n = next(
                (x for x in self._rows.values() if x.provider_message_id == r.provider_message_id),
                None,
            )
        if n is None or not can_advance(n.status, r.status) or r.status is Status.CANCELED:
            return None
        n = replace(
            n,
            status=r.status,
            updated_at=now,
            last_error_code=r.error_code if r.error else n.last_error_code,
            last_error=r.error or n.last_error,
        )
        self._leases.pop(n.id, None)
        self._set(n, now, r.detail)
        return n

    async def recover_expired(self, now: datetime) -> int:
        stale = [
            n
            for n in self._rows.values()
            if n.status in (Status.QUEUED, Status.SENDING) and self._leases.get(n.id, now) < now
        ]
        for n in stale:
            detail = f"lease of a {n.status} attempt ran out; re-scheduled"
            self._set(replace(n, status=Status.SCHEDULED, due_at=now, updated_at=now), now, detail)
            self._leases.pop(n.id, None)
        return len(stale)


def _matches(n: Notification, where: NotificationFilter) -> bool:
    return (
        (where.involving is None or n.involves(where.involving))
        and (where.user_id is None or n.user_id == where.user_id)
        and (where.recipient_id is None or n.recipient_id == where.recipient_id)
        and (where.status is None or n.status is where.status)
        and (where.channel is None or n.channel is where.channel)
        and (where.since is None or n.created_at >= where.since)
        and (where.until is None or n.created_at < where.until)
    )


class InMemoryIdempotencyKeys:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._records: dict[tuple[UUID, str], IdempotencyRecord] = (
            store or MemoryStore()
        ).dict_table()

    async def get(self, user_id: UUID, key: str) -> IdempotencyRecord | None:
        return self._records.get((user_id, key))

    def taken(self, record: IdempotencyRecord) -> bool:
        return (record.user_id, record.key) in self._records

    def insert(self, record: IdempotencyRecord) -> None:
        self._records[(record.user_id, record.key)] = record


class InMemoryNotificationIntake:
    """Into the fakes' tables, then committed, as the SQL forms commit."""

    def __init__(
        self,
        notifications: InMemoryNotificationRepository,
        keys: InMemoryIdempotencyKeys,
        tx: InMemoryTransactionManager,
    ) -> None:
        self._notifications = notifications
        self._keys = keys
        self._tx = tx

    async def add(
        self, items: Sequence[NewNotification], record: IdempotencyRecord | None = None
    ) -> None:
        if record is not None and self._keys.taken(record):
            raise Conflict("this Idempotency-Key is in use")
        for item in items:
            self._notifications.insert(item.notification, item.detail)
        if record is not None:
            self._keys.insert(record)
        await self._tx.commit()


class InMemoryProviderEventLog:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._seen: set[tuple[str, str]] = (store or MemoryStore()).set_table()

    async def first_time(self, provider: str, event_id: str, now: datetime) -> bool:
        if (provider, event_id) in self._seen:
            return False
        self._seen.add((provider, event_id))
        return True


class InMemorySendQueue:
    """Runs `handler` for each batch in a background task (at-least-once, in one process).
    Without a handler it only records the batches (unit tests)."""

    def __init__(
        self, handler: Callable[[list[UUID]], Coroutine[Any, Any, object]] | None = None
    ) -> None:
        self._handler = handler
        self.batches: list[list[UUID]] = []
        self._tasks: set[asyncio.Task[object]] = set()

    async def enqueue(self, ids: Sequence[UUID]) -> None:
        batch = list(ids)
        if not batch:
            return
        self.batches.append(batch)
        if self._handler is not None:
            task: asyncio.Task[object] = asyncio.create_task(self._handler(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
