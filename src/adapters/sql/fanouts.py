"""Fan-outs in SQL, the portable forms (SQLite). A part's batch reads its subscribers
joined to their recipients in one query and inserts its notifications and their first
events in bulk; PostgreSQL's subclass (fanouts_postgres) does each in one statement."""

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Row,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.notifications import CLIP, clip, first_detail, notification_values
from adapters.sql.tables.fanouts import FanoutPartRow, FanoutRow
from adapters.sql.tables.notifications import NotificationEventRow, NotificationRow
from adapters.sql.tables.recipients import RecipientRow
from adapters.sql.tables.topics import TopicRow, TopicSubscriptionRow
from application.ports.fanouts import Batch, PartClaim, Reached, TriggerKey, notification_of
from application.ports.notifications import NewNotification
from domain.errors import Conflict
from domain.fanouts import (
    CANCELED,
    REPEATED,
    Fanout,
    FanoutStatus,
    Member,
    Message,
    Progress,
    Skipped,
    part_bounds,
)
from domain.notifications import Status
from domain.preferences import Channel
from domain.recipients import QuietHours, TimeZone

F = cast(Table, FanoutRow.__table__)
P = cast(Table, FanoutPartRow.__table__)
N = cast(Table, NotificationRow.__table__)
E = cast(Table, NotificationEventRow.__table__)
S = cast(Table, TopicSubscriptionRow.__table__)
T = cast(Table, TopicRow.__table__)
R = cast(Table, RecipientRow.__table__)

UNSENT = (Status.SCHEDULED.value, Status.QUEUED.value)
MEMBER_COLUMNS = (
    "id, external_id, user_id, name, email, phone, locale, email_on, sms_on, "
    "sms_opted_out, quiet_start, quiet_end, timezone"
)
_SKIPS = ("channel_off", "opted_out", "no_address", "unrenderable")

# Built once, their values as parameters: see docs/architecture.md, "Layers".
_ADD = insert(F)
_ADD_PARTS = insert(P)
_GET = select(F).where(F.c.id == bindparam("fanout_id"))
_SUBSCRIBERS = select(T.c.subscribers).where(T.c.key == bindparam("topic"))
_CLAIM = (
    select(P.c.cursor)
    .join(F, F.c.id == P.c.fanout_id)
    .where(
        P.c.fanout_id == bindparam("fanout_id"),
        P.c.part == bindparam("part"),
        P.c.done.is_(False),
        F.c.status == FanoutStatus.EXPANDING.value,
    )
    .with_for_update(of=P)
)
_LOCK = select(F.c.id).where(F.c.id == bindparam("fanout_id")).with_for_update()
_UNDONE = exists().where(P.c.fanout_id == bindparam("fanout_id"), P.c.done.is_(False))
_FINISH = (
    update(F)
    .where(F.c.id == bindparam("fanout_id"), F.c.status == FanoutStatus.EXPANDING.value, ~_UNDONE)
    .values(status=FanoutStatus.EXPANDED.value, updated_at=bindparam("now"))
)


def repeated(exc: IntegrityError) -> bool:
    """Whether the insert broke the fan-out's unique key (rather than a foreign key: a
    recipient's account deleted meanwhile, which the batch's next run reads without)."""
    return "ux_notifications_fanout" in str(exc.orig) or "UNIQUE" in str(exc.orig)


def fanout_values(f: Fanout) -> dict[str, Any]:
    return {
        "id": f.id,
        "topic_key": f.topic,
        "status": f.status.value,
        "template": f.message.template,
        "data": json.dumps(dict(f.message.data)),
        "title": f.message.title,
        "text": f.message.text,
        "sendtime": f.sendtime,
        "channels": ",".join(f.channels),
        "exclude": json.dumps(list(f.exclude)),
        "urgent": f.urgent,
        "caller": f.caller,
        "created_by": f.created_by,
        "subscribers": f.subscribers,
        "parts": f.parts,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
    }


def to_fanout(row: Row[Any]) -> Fanout:
    m = row._mapping
    return Fanout(
        id=m["id"],
        topic=m["topic_key"],
        status=FanoutStatus(m["status"]),
        message=Message(m["template"], json.loads(m["data"]), m["title"], m["text"]),
        sendtime=m["sendtime"],
        channels=tuple(Channel(c) for c in m["channels"].split(",") if c),
        exclude=tuple(json.loads(m["exclude"])),
        urgent=m["urgent"],
        caller=m["caller"],
        created_by=m["created_by"],
        subscribers=m["subscribers"],
        parts=m["parts"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


@lru_cache(maxsize=1024)
def _quiet(start: str, end: str) -> QuietHours:
    return QuietHours.parse(start, end)


@lru_cache(maxsize=1024)
def _zone(name: str) -> TimeZone:
    return TimeZone(name)


def to_member(m: Any, override: str | None) -> Member:
    """A member from a recipient row (by column name) and its subscription's override."""
    start, zone = m["quiet_start"], m["timezone"]
    return Member(
        m["id"],
        m["external_id"],
        m["user_id"],
        m["name"],
        m["email"],
        m["phone"],
        m["locale"],
        m["email_on"],
        m["sms_on"],
        m["sms_opted_out"],
        _quiet(start, m["quiet_end"]) if start else None,
        _zone(zone) if zone else None,
        None if override is None else _override(override),
    )


@lru_cache(maxsize=64)
def _override(raw: str) -> tuple[Channel, ...]:
    return tuple(Channel(c) for c in raw.split(","))


def part_values(batch: Batch, made: int) -> dict[str, Any]:
    """The part's columns after a batch: counts added to what it had."""
    s = batch.skipped
    return {
        "cursor": batch.cursor,
        "done": batch.done,
        "lease_until": None if batch.done else batch.lease_until,
        "created": P.c.created + made,
        **{name: P.c[name] + getattr(s, name) for name in _SKIPS},
    }


class SqlFanoutRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add(self, fanout: Fanout, key: TriggerKey | None, lease_until: datetime) -> None:
        row = fanout_values(fanout)
        if key is not None:
            row |= {"idempotency_key": key.key, "body_hash": key.body_hash}
        zero = dict.fromkeys(("created", *_SKIPS), 0)
        parts = [
            {"fanout_id": fanout.id, "part": k, "done": False, "lease_until": lease_until, **zero}
            for k in range(fanout.parts)
        ]
        try:
            await self._db.execute(_ADD, [row])
            if parts:
                await self._db.execute(_ADD_PARTS, parts)
        except IntegrityError:
            raise Conflict("this Idempotency-Key is in use") from None

    async def get(self, fanout_id: UUID) -> Fanout | None:
        row = (await self._db.execute(_GET, {"fanout_id": fanout_id})).first()
        return None if row is None else to_fanout(row)

    async def find_by_key(self, caller: UUID, key: str) -> tuple[Fanout, str] | None:
        query = select(F).where(F.c.caller == caller, F.c.idempotency_key == key)
        row = (await self._db.execute(query)).first()
        return None if row is None else (to_fanout(row), row.body_hash)

    async def list_before(self, topic: str | None, before: UUID | None, limit: int) -> list[Fanout]:
        query = select(F).order_by(F.c.id.desc()).limit(limit)
        if topic is not None:
            query = query.where(F.c.topic_key == topic)
        if before is not None:
            query = query.where(F.c.id < before)
        return [to_fanout(row) for row in await self._db.execute(query)]

    async def progress(self, fanout_ids: Sequence[UUID]) -> dict[UUID, Progress]:
        sums = [func.coalesce(func.sum(P.c[name]), 0) for name in ("created", *_SKIPS)]
        query = (
            select(P.c.fanout_id, *sums)
            .where(P.c.fanout_id.in_(fanout_ids))
            .group_by(P.c.fanout_id)
        )
        found = {
            row[0]: Progress(int(row[1]), Skipped(*(int(v) for v in row[2:])))
            for row in await self._db.execute(query)
        }
        return {f: found.get(f, Progress(0, Skipped())) for f in fanout_ids}

    async def by_status(self, fanout_id: UUID) -> dict[Status, int]:
        query = (
            select(N.c.status, func.count()).where(N.c.fanout_id == fanout_id).group_by(N.c.status)
        )
        return {Status(status): int(count) for status, count in await self._db.execute(query)}

    async def audience(self, topic: str, exclude: Sequence[str]) -> int:
        # The topic's count, kept by triggers (migration 0017): no scan of its
        # subscriptions. (Expansion reads those made by the fan-out's creation.)
        total = int((await self._db.execute(_SUBSCRIBERS, {"topic": topic})).scalar() or 0)
        if not exclude:
            return total
        left_out = (
            select(func.count())
            .select_from(S.join(R, R.c.id == S.c.recipient_id))
            .where(S.c.topic_key == topic, R.c.external_id.in_(exclude))
        )
        return total - int((await self._db.execute(left_out)).scalar_one())

    async def cancel(self, fanout: Fanout, now: datetime) -> int:
        # Marking the parts done waits for their batches in flight, and stops the next.
        await self._stop_parts(fanout.id)
        await self._db.execute(
            update(F)
            .where(F.c.id == fanout.id)
            .values(status=fanout.status.value, updated_at=fanout.updated_at)
        )
        # A statement of its own: it sees what the batches waited for committed.
        return await self._cancel_unsent(fanout.id, now)

    async def _cancel_unsent(self, fanout_id: UUID, now: datetime) -> int:
        unsent = and_(N.c.fanout_id == fanout_id, N.c.status.in_(UNSENT))
        ids = [i for (i,) in await self._db.execute(select(N.c.id).where(unsent))]
        if ids:
            await self._db.execute(
                update(N).where(unsent).values(status=Status.CANCELED.value, updated_at=now)
            )
            canceled = {"status": Status.CANCELED.value, "at": now, "detail": CANCELED}
            await self._db.execute(insert(E), [{"notification_id": i, **canceled} for i in ids])
        return len(ids)

    async def _stop_parts(self, fanout_id: UUID) -> None:
        await self._db.execute(
            update(P)
            .where(P.c.fanout_id == fanout_id, P.c.done.is_(False))
            .values(done=True, lease_until=None)
        )

    async def claim(self, fanout_id: UUID, part: int) -> PartClaim | None:
        row = (await self._db.execute(_CLAIM, {"fanout_id": fanout_id, "part": part})).first()
        return None if row is None else PartClaim(row.cursor)

    async def members(
        self, fanout: Fanout, part: int, after: UUID | None, limit: int
    ) -> list[Member]:
        query = (
            select(R, S.c.channels.label("override"))
            .join(S, S.c.recipient_id == R.c.id)
            .where(*self._audience(fanout, part, after))
            .order_by(S.c.recipient_id)
            .limit(limit)
        )
        return [to_member(row._mapping, row.override) for row in await self._db.execute(query)]

    def _audience(self, fanout: Fanout, part: int, after: UUID | None) -> list[ColumnElement[bool]]:
        """A part's subscribers after `after`: subscribed by the fan-out's creation, not
        excluded, with the last byte of their id in the part's bounds."""
        where = [S.c.topic_key == fanout.topic, S.c.created_at <= fanout.created_at]
        if after is not None:
            where.append(S.c.recipient_id > after)
        if fanout.exclude:
            where.append(R.c.external_id.not_in(fanout.exclude))
        if fanout.parts > 1:
            low, high = part_bounds(part, fanout.parts)
            last = func.substr(S.c.recipient_id, 16, 1)
            where.append(last >= literal(bytes([low]), LargeBinary))
            if high < 256:
                where.append(last < literal(bytes([high]), LargeBinary))
        return where

    async def store_batch(
        self, fanout_id: UUID, part: int, items: Sequence[Reached], batch: Batch
    ) -> None:
        if items:
            made = [NewNotification(notification_of(r, batch, fanout_id), r.detail) for r in items]
            try:
                await self._db.execute(
                    insert(N), [notification_values(i.notification) for i in made]
                )
            except IntegrityError as exc:
                if repeated(exc):
                    raise Conflict(REPEATED) from None
                raise
            events = [
                {
                    "notification_id": i.notification.id,
                    "status": i.notification.status.value,
                    "at": i.notification.created_at,
                    "detail": clip(first_detail(i), CLIP),
                }
                for i in made
            ]
            await self._db.execute(insert(E), events)
        await self._db.execute(
            update(P)
            .where(P.c.fanout_id == fanout_id, P.c.part == part)
            .values(**part_values(batch, len(items)))
        )

    async def finish(self, fanout_id: UUID, now: datetime) -> bool:
        # The fan-out's row lock first: a part finishing at the same moment commits
        # before the check below reads the parts (a statement of its own, so it sees it).
        await self._db.execute(_LOCK, {"fanout_id": fanout_id})
        result = await self._db.execute(_FINISH, {"fanout_id": fanout_id, "now": now})
        return bool(getattr(result, "rowcount", 0))

    async def stalled(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[tuple[UUID, int]]:
        query = (
            select(P.c.fanout_id, P.c.part)
            .join(F, F.c.id == P.c.fanout_id)
            .where(
                P.c.done.is_(False),
                P.c.lease_until < now,
                F.c.status == FanoutStatus.EXPANDING.value,
            )
            .limit(limit)
            .with_for_update(of=P, skip_locked=True)
        )
        found = [(row.fanout_id, row.part) for row in await self._db.execute(query)]
        for fanout_id, part in found:
            await self._db.execute(
                update(P)
                .where(P.c.fanout_id == fanout_id, P.c.part == part)
                .values(lease_until=lease_until)
            )
        return found
