"""Notifications on PostgreSQL. The delivery engine's hot statements each move a whole
batch and write its history events in ONE round trip (data-modifying CTEs, arrays via
unnest); so does the intake of new notifications, on the direct pool. The container
picks these adapters on PostgreSQL, the portable ones on SQLite."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.types import Integer, String

from adapters.sql.direct_pool import DirectPool
from adapters.sql.notifications import (
    CLIP,
    SqlDeliveryRepository,
    clip,
    first_detail,
    skipped_json,
    to_notification,
)
from application.ports.notifications import (
    Claimed,
    DeliveryOutcome,
    IdempotencyRecord,
    NewNotification,
)
from domain.errors import Conflict
from domain.notifications import Notification

_COLUMNS = (
    "id, user_id, created_by, channel, recipient, title, text, sendtime, due_at, status, "
    "created_at, updated_at, attempts, provider, provider_message_id, last_error_code, last_error, "
    "recipient_id, group_id, html, fanout_id"
)
_TS = TIMESTAMP(timezone=True)

CLAIM_DUE: TextClause = text(
    """
    WITH claimed AS (
        UPDATE notifications SET status = 'queued', lease_until = :lease, updated_at = :now
        WHERE id IN (
            SELECT id FROM notifications
            WHERE status = 'scheduled' AND due_at <= :until
            ORDER BY due_at LIMIT :lim
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, due_at
    ), history AS (
        INSERT INTO notification_events (notification_id, status, at)
        SELECT id, 'queued', :now FROM claimed
    )
    SELECT id, due_at FROM claimed
    """
).bindparams(
    bindparam("lease", type_=_TS),
    bindparam("now", type_=_TS),
    bindparam("until", type_=_TS),
    bindparam("lim", type_=Integer),
)

CLAIM_FOR_SENDING: TextClause = text(
    f"""
    WITH claimed AS (
        UPDATE notifications
        SET status = 'sending', attempts = attempts + 1, lease_until = :lease, updated_at = :now
        WHERE id = ANY(:ids) AND status = 'queued'
        RETURNING {_COLUMNS}
    ), history AS (
        INSERT INTO notification_events (notification_id, status, at, detail)
        SELECT id, 'sending', :now, 'attempt ' || attempts FROM claimed
    )
    SELECT {_COLUMNS} FROM claimed
    """  # noqa: S608 - a constant column list, no input
).bindparams(
    bindparam("lease", type_=_TS),
    bindparam("now", type_=_TS),
    bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))),
)

_TEXTS = ARRAY(String())
RECORD_OUTCOMES: TextClause = text(
    """
    WITH outcome AS (
        SELECT * FROM unnest(
            CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:dues AS timestamptz[]),
            CAST(:providers AS text[]), CAST(:pmids AS text[]), CAST(:codes AS text[]),
            CAST(:errors AS text[]), CAST(:details AS text[])
        ) AS o(id, status, due_at, provider, pmid, code, error, detail)
    ), applied AS (
        UPDATE notifications n SET
            status = o.status,
            due_at = COALESCE(o.due_at, n.due_at),
            provider = COALESCE(o.provider, n.provider),
            provider_message_id = COALESCE(o.pmid, n.provider_message_id),
            last_error_code = COALESCE(o.code, n.last_error_code),
            last_error = COALESCE(o.error, n.last_error),
            lease_until = NULL,
            updated_at = :now
        FROM outcome o
        WHERE n.id = o.id AND n.status = 'sending'
        RETURNING n.id, o.status, o.detail
    )
    INSERT INTO notification_events (notification_id, status, at, detail)
    SELECT id, status, :now, detail FROM applied
    """
).bindparams(
    bindparam("now", type_=_TS),
    bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))),
    bindparam("statuses", type_=_TEXTS),
    bindparam("dues", type_=ARRAY(_TS)),
    bindparam("providers", type_=_TEXTS),
    bindparam("pmids", type_=_TEXTS),
    bindparam("codes", type_=_TEXTS),
    bindparam("errors", type_=_TEXTS),
    bindparam("details", type_=_TEXTS),
)


class PostgresDeliveryRepository(SqlDeliveryRepository):
    async def claim_due(
        self, until: datetime, limit: int, lease_until: datetime, *, now: datetime | None = None
    ) -> list[Claimed]:
        result = await self._db.execute(
            CLAIM_DUE, {"until": until, "now": now or until, "lease": lease_until, "lim": limit}
        )
        return [Claimed(UUID(bytes=row[0].bytes), row[1]) for row in result]

    async def claim_for_sending(
        self, ids: Sequence[UUID], now: datetime, lease_until: datetime
    ) -> list[Notification]:
        if not ids:
            return []
        result = await self._db.execute(
            CLAIM_FOR_SENDING, {"ids": list(ids), "now": now, "lease": lease_until}
        )
        return [to_notification(r) for r in result]

    async def record_outcomes(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        if not outcomes:
            return
        await self._db.execute(
            RECORD_OUTCOMES,
            {
                "now": now,
                "ids": [o.notification_id for o in outcomes],
                "statuses": [o.status.value for o in outcomes],
                "dues": [o.due_at for o in outcomes],
                "providers": [o.provider for o in outcomes],
                "pmids": [o.provider_message_id for o in outcomes],
                "codes": [o.error_code for o in outcomes],
                "errors": [o.error[:CLIP] if o.error else None for o in outcomes],
                "details": [o.detail[:CLIP] for o in outcomes],
            },
        )


# New notifications with their first event's detail, as one JSON document (`rows`): see
# `recordset`. INSERT_GIVEN stores them from a CTE named `given` of it.
RECORDSET = """json_to_recordset(CAST({rows} AS json)) AS g(id uuid, user_id uuid,
    created_by uuid, recipient_id uuid, group_id uuid, channel text, recipient text,
    title text, text text, html text, sendtime timestamptz, due_at timestamptz, status text,
    attempts int, created_at timestamptz, updated_at timestamptz, fanout_id uuid, detail text)"""
INSERT_GIVEN = """INSERT INTO notifications (id, user_id, created_by, recipient_id, group_id,
        channel, recipient, title, text, html, sendtime, due_at, status, attempts,
        created_at, updated_at, fanout_id)
    SELECT id, user_id, created_by, recipient_id, group_id, channel, recipient, title, text,
        html, sendtime, due_at, status, attempts, created_at, updated_at, fanout_id
    FROM given"""


class _Given(msgspec.Struct):
    """A row of RECORDSET."""

    id: UUID
    user_id: UUID | None
    created_by: UUID | None
    recipient_id: UUID | None
    group_id: UUID
    channel: str
    recipient: str
    title: str | None
    text: str
    html: str | None
    sendtime: datetime
    due_at: datetime
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    fanout_id: UUID | None
    detail: str | None


def recordset(items: Sequence[NewNotification]) -> str:
    """The JSON document of RECORDSET: asyncpg sends it as one text, where arrays of each
    column cost it 35 µs more a request. A fan-out's batch of 1,000 shares its due times,
    so each one's default detail is written once."""
    dues: dict[datetime, str] = {}
    rows = []
    for item in items:
        n = item.notification
        detail = item.detail
        if detail is None:
            detail = dues.get(n.due_at) or dues.setdefault(n.due_at, first_detail(item))
        rows.append(
            _Given(
                n.id,
                n.user_id,
                n.created_by,
                n.recipient_id,
                n.group,
                n.channel,  # a StrEnum: msgspec writes its value
                n.to,
                n.title,
                n.text,
                n.html,
                n.sendtime,
                n.due_at,
                n.status,
                n.attempts,
                n.created_at,
                n.updated_at,
                n.fanout_id,
                clip(detail),
            )
        )
    return msgspec.json.encode(rows).decode()


# One statement, so its own transaction: the key is claimed first, and the notifications
# and their first events are inserted only when it was (or when there is no key); the
# foreign keys between them are checked at its end.
_INTAKE = """
WITH given AS (SELECT * FROM {recordset}), key AS (
    INSERT INTO notification_idempotency_keys (user_id, key, body_hash, skipped,
        notification_id, created_at)
    SELECT $2::uuid, $3::text, $4::text, $5::text, $6::uuid, $7::timestamptz
    WHERE $3::text IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
), made AS (
    {insert}
    WHERE $3::text IS NULL OR EXISTS (SELECT FROM key)
    RETURNING id
), history AS (
    INSERT INTO notification_events (notification_id, status, at, detail)
    SELECT given.id, given.status, given.created_at, given.detail
    FROM given JOIN made ON made.id = given.id
)
SELECT count(*) FROM made
""".format(recordset=RECORDSET.format(rows="$1"), insert=INSERT_GIVEN)  # noqa: S608 - constants


class PostgresNotificationIntake:
    """The intake in one round trip on the direct pool, outside any unit of work."""

    def __init__(self, pool: DirectPool) -> None:
        self._pool = pool

    async def add(
        self, items: Sequence[NewNotification], record: IdempotencyRecord | None = None
    ) -> None:
        key: list[object] = [None] * 6
        if record is not None:
            r = record
            key = [r.user_id, r.key, r.body_hash, skipped_json(r), r.notification_id, r.created_at]
        [row] = await self._pool.write(_INTAKE, recordset(items), *key)
        if row[0] == 0:
            raise Conflict("this Idempotency-Key is in use")
