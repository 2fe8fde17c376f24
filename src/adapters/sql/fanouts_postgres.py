"""Fan-outs on PostgreSQL: a batch's read and its write are one statement each. The
read takes the part's next subscribers from the subscriptions' key and only then looks
their recipients up by id (a join would let the planner scan every recipient); the
write inserts the notifications, their first events and the part's progress from one
JSON document of what varies between them, each content once. The container picks this
adapter on PostgreSQL."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import Boolean

from adapters.sql.fanouts import (
    MEMBER_COLUMNS,
    SqlFanoutRepository,
    repeated,
    to_member,
)
from adapters.sql.notifications import clip
from application.ports.fanouts import Batch, PartClaim, Reached
from domain.errors import Conflict
from domain.fanouts import CANCELED, REPEATED, Content, Fanout, Member, part_bounds

_TS = TIMESTAMP(timezone=True)
_BEFORE_ALL = UUID(int=0)  # below every recipient id
# For the batch's transaction: see `claim`.
_BATCH_SETTINGS = text(
    "SELECT set_config('synchronous_commit', 'off', true), "
    "set_config('enable_bitmapscan', 'off', true)"
)
_ID = PG_UUID(as_uuid=True)

# On the session's asyncpg connection, in its transaction: asyncpg's records are read in
# C, cheaper than SQLAlchemy's rows. The cursor is always a bound (the
# nil id before the first): a prepared statement's generic plan cannot use an
# `$3 IS NULL OR id > $3` as the index's start, and read the whole topic each batch.
_MEMBERS = f"""
    SELECT {MEMBER_COLUMNS}, batch.channels AS override
    FROM (
        SELECT recipient_id, channels FROM topic_subscriptions
        WHERE topic_key = $1 AND created_at <= $2
            AND recipient_id > $3
            AND get_byte(uuid_send(recipient_id), 15) >= $4
            AND get_byte(uuid_send(recipient_id), 15) < $5
            AND recipient_id <> ALL(ARRAY(
                SELECT id FROM recipients WHERE external_id = ANY($6::text[])))
        ORDER BY topic_key, recipient_id
        LIMIT $7
    ) AS batch
    -- OFFSET 0 keeps this a lookup by primary key per subscriber, whatever the planner
    -- believes of the batch's size.
    CROSS JOIN LATERAL (
        SELECT {MEMBER_COLUMNS} FROM recipients WHERE id = batch.recipient_id OFFSET 0
    ) AS r
    ORDER BY batch.recipient_id
"""  # noqa: S608 - a constant column list, no input

# The batch's notifications as one JSON document of what varies between them (values the
# batch shares are parameters; a row gives its own only where it differs), each content
# once (a broadcast's 1,000 rows share one); then their first events and the part's
# progress. (One array per column cost more: asyncpg encodes arrays element by element
# in Python.)
_STORE: TextClause = text(
    """
    WITH given AS (
        SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS g(i uuid, u uuid, r uuid,
            g uuid, c text, a text, k int, d timestamptz, t text)
    ), content AS (
        SELECT * FROM ROWS FROM (json_to_recordset(CAST(:contents AS json))
            AS (title text, text text, html text)) WITH ORDINALITY AS c(title, text, html, n)
    ), made AS (
        INSERT INTO notifications (id, user_id, created_by, recipient_id, group_id, channel,
            recipient, title, text, html, sendtime, due_at, status, attempts, created_at,
            updated_at, fanout_id)
        SELECT g.i, g.u, NULL, g.r, g.g, g.c, g.a, c.title, c.text, c.html,
            :sendtime, COALESCE(g.d, :due), 'scheduled', 0, :now, :now,
            :fanout
        FROM given g JOIN content c ON c.n = g.k
    ), history AS (
        INSERT INTO notification_events (notification_id, status, at, detail)
        SELECT i, 'scheduled', :now, COALESCE(t, :detail) FROM given
    )
    UPDATE fanout_parts SET
        cursor = :cursor, done = :done, lease_until = :lease,
        created = created + :made, channel_off = channel_off + :channel_off,
        opted_out = opted_out + :opted_out, no_address = no_address + :no_address,
        unrenderable = unrenderable + :unrenderable
    WHERE fanout_id = :fanout AND part = :part
    """
).bindparams(
    *(bindparam(name, type_=_TS) for name in ("sendtime", "due", "now", "lease")),
    bindparam("cursor", type_=_ID),
    bindparam("done", type_=Boolean),
    bindparam("fanout", type_=_ID),
)


class _Row(msgspec.Struct, omit_defaults=True):
    i: UUID
    r: UUID
    g: UUID
    c: str
    a: str
    k: int  # its content, by position in `contents` from 1
    u: UUID | None = None
    d: datetime | None = None  # due_at, where not the batch's
    t: str | None = None  # the first event's detail, where not the batch's


def _batch_values(items: Sequence[Reached], batch: Batch) -> dict[str, Any]:
    """The parameters of _STORE: the batch's shared values, and a row per notification
    with what differs (the due time and detail only where quiet hours moved them)."""
    due = next((r.due_at for r in items if r.detail is None), items[0].due_at)
    contents: dict[Content, int] = {}
    rows = []
    for r in items:
        content = contents.get(r.content) or contents.setdefault(r.content, len(contents) + 1)
        detail = r.detail
        if detail is None and r.due_at != due:
            detail = f"due {r.due_at.isoformat()}"
        rows.append(
            _Row(
                r.id, r.recipient_id, r.group_id, r.channel, r.to, content, r.user_id,
                None if r.due_at == due else r.due_at, clip(detail),
            )
        )  # fmt: skip
    return {
        "rows": _JSON.encode(rows).decode(),
        "contents": _JSON.encode(list(contents)).decode(),
        "sendtime": batch.sendtime,
        "due": due,
        "detail": f"due {due.isoformat()}",
        "now": batch.made_at,
    }


_JSON = msgspec.json.Encoder()


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
        connection = await (await self._db.connection()).get_raw_connection()
        asyncpg_connection = connection.driver_connection
        assert asyncpg_connection is not None
        rows = await asyncpg_connection.fetch(
            _MEMBERS,
            fanout.topic,
            fanout.created_at,
            after or _BEFORE_ALL,
            low,
            high,
            list(fanout.exclude),
            limit,
        )
        return [to_member(row, row["override"]) for row in rows]

    async def store_batch(
        self, fanout_id: UUID, part: int, items: Sequence[Reached], batch: Batch
    ) -> None:
        if not items:  # the part's progress alone
            await super().store_batch(fanout_id, part, items, batch)
            return
        try:
            await self._store(items, batch, fanout_id, part)
        except IntegrityError as exc:
            if repeated(exc):
                raise Conflict(REPEATED) from None
            raise

    async def _store(
        self, items: Sequence[Reached], batch: Batch, fanout_id: UUID, part: int
    ) -> None:
        s = batch.skipped
        await self._db.execute(
            _STORE,
            {
                **_batch_values(items, batch),
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
