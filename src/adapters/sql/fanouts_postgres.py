"""Fan-outs on PostgreSQL: a batch's read and its write are one statement each. The
read takes the part's next subscribers from the subscriptions' key and only then looks
their recipients up by id (a join would let the planner scan every recipient); the
write inserts the notifications, their first events and the part's progress from one
JSON document. The container picks this adapter on PostgreSQL."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import Boolean, Integer, String

from adapters.sql.fanouts import (
    MEMBER_COLUMNS,
    SqlFanoutRepository,
    repeated,
    to_member,
)
from adapters.sql.notifications_postgres import INSERT_GIVEN, RECORDSET, recordset
from application.ports.fanouts import Batch, PartClaim
from application.ports.notifications import NewNotification
from domain.errors import Conflict
from domain.fanouts import CANCELED, REPEATED, Fanout, Member, part_bounds

_TS = TIMESTAMP(timezone=True)
# For the batch's transaction: see `claim`.
_BATCH_SETTINGS = text(
    "SELECT set_config('synchronous_commit', 'off', true), "
    "set_config('enable_bitmapscan', 'off', true)"
)
_ID = PG_UUID(as_uuid=True)

_MEMBERS: TextClause = text(
    f"""
    SELECT {MEMBER_COLUMNS}, batch.channels AS override
    FROM (
        SELECT recipient_id, channels FROM topic_subscriptions
        WHERE topic_key = :topic AND created_at <= :at
            AND (CAST(:after AS uuid) IS NULL OR recipient_id > :after)
            AND get_byte(uuid_send(recipient_id), 15) >= :low
            AND get_byte(uuid_send(recipient_id), 15) < :high
            AND recipient_id <> ALL(ARRAY(
                SELECT id FROM recipients WHERE external_id = ANY(:exclude)))
        ORDER BY topic_key, recipient_id
        LIMIT :lim
    ) AS batch
    -- OFFSET 0 keeps this a lookup by primary key per subscriber, whatever the planner
    -- believes of the batch's size.
    CROSS JOIN LATERAL (
        SELECT {MEMBER_COLUMNS} FROM recipients WHERE id = batch.recipient_id OFFSET 0
    ) AS r
    ORDER BY batch.recipient_id
    """  # noqa: S608 - a constant column list, no input
).bindparams(
    bindparam("at", type_=_TS),
    bindparam("after", type_=_ID),
    bindparam("low", type_=Integer),
    bindparam("high", type_=Integer),
    bindparam("exclude", type_=ARRAY(String())),
    bindparam("lim", type_=Integer),
)

_STORE: TextClause = text(
    f"""
    WITH given AS (SELECT * FROM {RECORDSET.format(rows=":rows")}), made AS (
        {INSERT_GIVEN}
    ), history AS (
        INSERT INTO notification_events (notification_id, status, at, detail)
        SELECT id, status, created_at, detail FROM given
    )
    UPDATE fanout_parts SET
        cursor = :cursor, done = :done, lease_until = :lease,
        created = created + :made, channel_off = channel_off + :channel_off,
        opted_out = opted_out + :opted_out, no_address = no_address + :no_address,
        unrenderable = unrenderable + :unrenderable
    WHERE fanout_id = :fanout AND part = :part
    """  # noqa: S608 - constant statements, no input
).bindparams(
    bindparam("cursor", type_=_ID),
    bindparam("done", type_=Boolean),
    bindparam("lease", type_=_TS),
    bindparam("fanout", type_=_ID),
)

_CANCEL_UNSENT: TextClause = text(
    """
    WITH canceled AS (
        UPDATE notifications SET status = 'canceled', updated_at = :now
        WHERE fanout_id = :fanout AND status IN ('scheduled', 'queued')
        RETURNING id
    ), history AS (
        INSERT INTO notification_events (notification_id, status, at, detail)
        SELECT id, 'canceled', :now, :detail FROM canceled
    )
    SELECT count(*) FROM canceled
    """
).bindparams(bindparam("now", type_=_TS), bindparam("fanout", type_=_ID))


class PostgresFanoutRepository(SqlFanoutRepository):
    async def claim(self, fanout_id: UUID, part: int) -> PartClaim | None:
        # A batch commits without waiting for its WAL to reach the disk: a database crash
        # may lose the last batches, but each with the cursor it advanced, so they are
        # made again and none twice; and anything sent was claimed by a later commit
        # that did wait, which flushed them too. Bitmap scans off: right after a bulk
        # subscription the statistics say a topic is small, and the planner would read
        # all of it and sort it for each batch, instead of the next 1,000 in key order
        # (decisions/fanout-expansion.md).
        await self._db.execute(_BATCH_SETTINGS)
        return await super().claim(fanout_id, part)

    async def members(
        self, fanout: Fanout, part: int, after: UUID | None, limit: int
    ) -> list[Member]:
        low, high = part_bounds(part, fanout.parts)
        params = {
            "topic": fanout.topic,
            "at": fanout.created_at,
            "after": after,
            "low": low,
            "high": high,
            "exclude": list(fanout.exclude),
            "lim": limit,
        }
        rows = await self._db.execute(_MEMBERS, params)
        return [to_member(row._mapping, row.override) for row in rows]

    async def store_batch(
        self, fanout_id: UUID, part: int, items: Sequence[NewNotification], batch: Batch
    ) -> None:
        try:
            await self._store(items, batch, fanout_id, part)
        except IntegrityError as exc:
            if repeated(exc):
                raise Conflict(REPEATED) from None
            raise

    async def _store(
        self, items: Sequence[NewNotification], batch: Batch, fanout_id: UUID, part: int
    ) -> None:
        s = batch.skipped
        await self._db.execute(
            _STORE,
            {
                "rows": recordset(items),
                "cursor": batch.cursor,
                "done": batch.done,
                "lease": None if batch.done else batch.lease_until,
                "made": len(items),
                "channel_off": s.channel_off,
                "opted_out": s.opted_out,
                "no_address": s.no_address,
                "unrenderable": s.unrenderable,
                "fanout": fanout_id,
                "part": part,
            },
        )

    async def _cancel_unsent(self, fanout_id: UUID, now: datetime) -> int:
        params = {"now": now, "fanout": fanout_id, "detail": CANCELED}
        return int((await self._db.execute(_CANCEL_UNSENT, params)).scalar_one())
