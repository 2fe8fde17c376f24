"""SQL adapters of the notification ports. Hot paths use Core statements in batches:
the scheduler and the workers move hundreds of rows per round trip. The delivery engine's
port has a PostgreSQL subclass with one-round-trip forms (notifications_postgres), which
the container picks on PostgreSQL; these portable forms serve SQLite."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ColumnElement, Row, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.tables.notifications import (
    IdempotencyKeyRow,
    NotificationEventRow,
    NotificationRow,
    ProviderEventRow,
)
from adapters.sql.upserts import insert_on_conflict
from application.ports.notifications import (
    Claimed,
    DeliveryOutcome,
    IdempotencyRecord,
    NewNotification,
    NotificationFilter,
    ProviderReport,
)
from domain.errors import Conflict
from domain.notifications import Notification, NotificationEvent, Status, predecessors
from domain.preferences import Channel

N = cast(Table, NotificationRow.__table__)
E = cast(Table, NotificationEventRow.__table__)
_FIRST_EVENT = insert_on_conflict(
    cast(Table, ProviderEventRow.__table__),
    ["provider", "event_id", "received_at"],
    returning=["event_id"],
)
_LEASED = (Status.QUEUED.value, Status.SENDING.value)


def to_notification(row: Row[Any]) -> Notification:
    return Notification(
        id=row.id,
        user_id=row.user_id,
        created_by=row.created_by,
        channel=Channel(row.channel),
        to=row.recipient,
        title=row.title,
        text=row.text,
        sendtime=row.sendtime,
        due_at=row.due_at,
        status=Status(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        attempts=row.attempts,
        provider=row.provider,
        provider_message_id=row.provider_message_id,
        last_error_code=row.last_error_code,
        last_error=row.last_error,
        recipient_id=row.recipient_id,
        group_id=None if row.group_id == row.id else row.group_id,  # its own group: None
        html=row.html,
        fanout_id=row.fanout_id,
    )


def _conditions(where: NotificationFilter) -> list[ColumnElement[bool]]:
    conditions = []
    if where.involving is not None:
        conditions.append(or_(N.c.user_id == where.involving, N.c.created_by == where.involving))
    if where.user_id is not None:
        conditions.append(N.c.user_id == where.user_id)
    if where.recipient_id is not None:
        conditions.append(N.c.recipient_id == where.recipient_id)
    if where.status is not None:
        conditions.append(N.c.status == where.status.value)
    if where.channel is not None:
        conditions.append(N.c.channel == where.channel.value)
    if where.since is not None:
        conditions.append(N.c.created_at >= where.since)
    if where.until is not None:
        conditions.append(N.c.created_at < where.until)
    return conditions


ERASED = "canceled: the recipient was erased"
CLIP = 500  # the size of the detail and error columns


def clip(text: str | None, size: int = CLIP) -> str | None:
    return None if text is None else text[:size]


async def _add_events(db: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await db.execute(insert(E), rows)


def _event(notification_id: UUID, status: str, at: datetime, detail: str | None) -> dict[str, Any]:
    return {"notification_id": notification_id, "status": status, "at": at, "detail": clip(detail)}


def notification_values(n: Notification) -> dict[str, Any]:
    """The columns of a new notification."""
    return {
        "id": n.id,
        "user_id": n.user_id,
        "created_by": n.created_by,
        "recipient_id": n.recipient_id,
        "group_id": n.group,
        "channel": n.channel.value,
        "recipient": n.to,
        "title": n.title,
        "text": n.text,
        "html": n.html,
        "sendtime": n.sendtime,
        "due_at": n.due_at,
        "status": n.status.value,
        "attempts": n.attempts,
        "created_at": n.created_at,
        "updated_at": n.updated_at,
        "fanout_id": n.fanout_id,
    }


def first_detail(item: NewNotification) -> str:
    return item.detail or f"due {item.notification.due_at.isoformat()}"


def skipped_json(record: IdempotencyRecord) -> str | None:
    return json.dumps(record.skipped) if record.skipped else None


_INSERT_NOTIFICATION = insert(N)
_INSERT_KEY = insert(cast(Table, IdempotencyKeyRow.__table__))


async def add_notifications(db: AsyncSession, items: Sequence[NewNotification]) -> None:
    """Insert notifications with their first history events in `db`'s transaction,
    uncommitted."""
    await db.execute(_INSERT_NOTIFICATION, [notification_values(i.notification) for i in items])
    await _add_events(
        db,
        [
            _event(
                i.notification.id,
                i.notification.status.value,
                i.notification.created_at,
                first_detail(i),
            )
            for i in items
        ],
    )


class SqlNotificationIntake:
    """The portable form: the request's session, committed here."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add(
        self, items: Sequence[NewNotification], record: IdempotencyRecord | None = None
    ) -> None:
        try:
            await add_notifications(self._db, items)
            if record is not None:
                await self._db.execute(
                    _INSERT_KEY,
                    {
                        "user_id": record.user_id,
                        "key": record.key,
                        "body_hash": record.body_hash,
                        "notification_id": record.notification_id,
                        "created_at": record.created_at,
                        "skipped": skipped_json(record),
                    },
                )
            await self._db.commit()
        except IntegrityError as exc:
            await self._db.rollback()
            if record is None:
                raise
            raise Conflict("this Idempotency-Key is in use") from exc


class SqlNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def get(self, notification_id: UUID) -> Notification | None:
        row = (await self._db.execute(select(N).where(N.c.id == notification_id))).first()
        return to_notification(row) if row else None

    async def group(self, group_id: UUID) -> list[Notification]:
        rows = await self._db.execute(select(N).where(N.c.group_id == group_id).order_by(N.c.id))
        return [to_notification(r) for r in rows]

    async def find(
        self, where: NotificationFilter, *, limit: int, before: UUID | None
    ) -> list[Notification]:
        query = select(N).where(*_conditions(where))
        if before is not None:
            query = query.where(N.c.id < before)
        rows = await self._db.execute(query.order_by(N.c.id.desc()).limit(limit))
        return [to_notification(r) for r in rows]

    async def events(self, notification_id: UUID) -> list[NotificationEvent]:
        return (await self.histories([notification_id])).get(notification_id, [])

    async def histories(self, ids: Sequence[UUID]) -> dict[UUID, list[NotificationEvent]]:
        found: dict[UUID, list[NotificationEvent]] = {i: [] for i in ids}
        if ids:
            rows = await self._db.execute(
                select(E).where(E.c.notification_id.in_(list(ids))).order_by(E.c.id)
            )
            for r in rows:
                found[r.notification_id].append(
                    NotificationEvent(r.notification_id, Status(r.status), r.at, r.detail)
                )
        return found

    async def cancel(self, notification_id: UUID, now: datetime) -> bool:
        done = await self._db.execute(
            update(N)
            .where(
                N.c.id == notification_id,
                N.c.status.in_([s.value for s in predecessors(Status.CANCELED)]),
            )
            .values(status=Status.CANCELED.value, lease_until=None, updated_at=now)
            .returning(N.c.id)
        )
        if done.first() is None:
            return False
        await _add_events(
            self._db, [_event(notification_id, Status.CANCELED.value, now, "canceled by the user")]
        )
        return True

    async def redact_notifications_of(self, recipient_id: UUID, now: datetime) -> int:
        theirs = select(N.c.id).where(N.c.recipient_id == recipient_id).scalar_subquery()
        await self._db.execute(update(E).where(E.c.notification_id.in_(theirs)).values(detail=None))
        pending = [s.value for s in predecessors(Status.CANCELED)]
        canceled = await self._db.execute(
            update(N)
            .where(N.c.recipient_id == recipient_id, N.c.status.in_(pending))
            .values(status=Status.CANCELED.value, lease_until=None)
            .returning(N.c.id)
        )
        await _add_events(
            self._db,
            [_event(i, Status.CANCELED.value, now, ERASED) for i in canceled.scalars()],
        )
        done = await self._db.execute(
            update(N)
            .where(N.c.recipient_id == recipient_id)
            .values(recipient="", title=None, text="", html=None, last_error=None, updated_at=now)
        )
        return cast(int, done.rowcount)  # type: ignore[attr-defined]


class SqlDeliveryRepository:
    """The engine's steps in portable SQL (SQLite); PostgresDeliveryRepository overrides
    the hot ones."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def claim_due(
        self, until: datetime, limit: int, lease_until: datetime, *, now: datetime | None = None
    ) -> list[Claimed]:
        at = now or until
        # SKIP LOCKED lets two schedulers (say, during a deploy) split the rows instead
        # of waiting on or double-claiming them; SQLite has one writer and ignores it.
        due = (
            select(N.c.id)
            .where(N.c.status == Status.SCHEDULED.value, N.c.due_at <= until)
            .order_by(N.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self._db.execute(
            update(N)
            .where(N.c.id.in_(due.scalar_subquery()))
            .values(status=Status.QUEUED.value, lease_until=lease_until, updated_at=at)
            .returning(N.c.id, N.c.due_at)
        )
        claimed = [Claimed(row.id, row.due_at) for row in result]
        await _add_events(self._db, [_event(c.id, Status.QUEUED.value, at, None) for c in claimed])
        return claimed

    async def next_due_at(self) -> datetime | None:
        value = await self._db.scalar(
            select(func.min(N.c.due_at)).where(N.c.status == Status.SCHEDULED.value)
        )
        return value if isinstance(value, datetime) else None

    async def count_due(self, now: datetime) -> int:
        # On the partial index of scheduled rows (ix_notifications_due).
        count = await self._db.scalar(
            select(func.count())
            .select_from(N)
            .where(N.c.status == Status.SCHEDULED.value, N.c.due_at <= now)
        )
        return int(count or 0)

    async def claim_for_sending(
        self, ids: Sequence[UUID], now: datetime, lease_until: datetime
    ) -> list[Notification]:
        if not ids:
            return []
        result = await self._db.execute(
            update(N)
            .where(N.c.id.in_(list(ids)), N.c.status == Status.QUEUED.value)
            .values(
                status=Status.SENDING.value,
                attempts=N.c.attempts + 1,
                lease_until=lease_until,
                updated_at=now,
            )
            .returning(*N.c)
        )
        claimed = [to_notification(r) for r in result]
        await _add_events(
            self._db,
            [_event(n.id, Status.SENDING.value, now, f"attempt {n.attempts}") for n in claimed],
        )
        return claimed

    async def record_outcomes(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        if not outcomes:
            return
        stmt = (
            update(N)
            .where(N.c.id == bindparam("b_id"), N.c.status == Status.SENDING.value)
            .values(
                status=bindparam("b_status"),
                due_at=func.coalesce(bindparam("b_due", type_=DateTimeUTC), N.c.due_at),
                provider=func.coalesce(bindparam("b_provider"), N.c.provider),
                provider_message_id=func.coalesce(bindparam("b_pmid"), N.c.provider_message_id),
                last_error_code=func.coalesce(bindparam("b_code"), N.c.last_error_code),
                last_error=func.coalesce(bindparam("b_error"), N.c.last_error),
                lease_until=None,
                updated_at=now,
            )
        )
        await self._db.execute(
            stmt,
            [
                {
                    "b_id": o.notification_id,
                    "b_status": o.status.value,
                    "b_due": o.due_at,
                    "b_provider": o.provider,
                    "b_pmid": o.provider_message_id,
                    "b_code": o.error_code,
                    "b_error": clip(o.error),
                }
                for o in outcomes
            ],
        )
        await _add_events(
            self._db, [_event(o.notification_id, o.status.value, now, o.detail) for o in outcomes]
        )

    async def apply_provider_status(
        self, report: ProviderReport, now: datetime
    ) -> Notification | None:
        status = report.status
        if status is Status.CANCELED:
            return None
        if report.notification_id is not None:
            where = N.c.id == report.notification_id
        elif report.provider_message_id:
            where = N.c.provider_message_id == report.provider_message_id
        else:
            return None
        values: dict[str, Any] = {"status": status.value, "updated_at": now, "lease_until": None}
        if report.error:
            values.update(last_error_code=report.error_code, last_error=clip(report.error))
        result = await self._db.execute(
            update(N)
            .where(where, N.c.status.in_([s.value for s in predecessors(status)]))
            .values(**values)
            .returning(*N.c)
        )
        row = result.first()
        if row is None:
            return None
        await _add_events(self._db, [_event(row.id, status.value, now, report.detail)])
        return to_notification(row)

    async def recover_expired(self, now: datetime) -> int:
        stale = (
            select(N.c.id)
            .where(N.c.status.in_(_LEASED), N.c.lease_until < now)
            .with_for_update(skip_locked=True)
        )
        result = await self._db.execute(
            update(N)
            .where(N.c.id.in_(stale.scalar_subquery()))
            .values(status=Status.SCHEDULED.value, due_at=now, lease_until=None, updated_at=now)
            .returning(N.c.id)
        )
        ids = list(result.scalars())
        detail = "the lease of the previous attempt ran out; re-scheduled"
        await _add_events(self._db, [_event(i, Status.SCHEDULED.value, now, detail) for i in ids])
        return len(ids)


class SqlIdempotencyKeys:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def get(self, user_id: UUID, key: str) -> IdempotencyRecord | None:
        row = await self._db.get(IdempotencyKeyRow, (user_id, key), populate_existing=True)
        if row is None:
            return None
        skipped = tuple((Channel(c), why) for c, why in json.loads(row.skipped or "[]"))
        return IdempotencyRecord(
            row.user_id, row.key, row.body_hash, row.notification_id, row.created_at, skipped
        )


class SqlProviderEventLog:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def first_time(self, provider: str, event_id: str, now: datetime) -> bool:
        values = {"provider": provider, "event_id": event_id[:128], "received_at": now}
        return (await self._db.execute(_FIRST_EVENT, values)).first() is not None
