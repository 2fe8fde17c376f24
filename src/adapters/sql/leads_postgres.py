"""Landbot's messages on PostgreSQL, the webhook's write and reads one statement each on
the direct pool (docs/decisions/direct-pool.md): a delivery's messages are stored in one
`INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING`, its own
transaction, with no ORM session, `BEGIN` or `COMMIT` around it. Claiming a message and
the sweep's read stay in the task's unit of work."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from adapters.sql.direct_pool import DirectPool
from adapters.sql.leads import SqlLandbotInbox
from domain.leads import LandbotMessage

_RECORD = """
INSERT INTO landbot_messages (key, customer_id, customer, sender_type, sender_name, kind,
                              body, data, channel, sent_at, received_at)
SELECT k, c, cu::jsonb, st, sn, kd, b, d::jsonb, ch::jsonb, sa, ra
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[])
     AS m(k, c, cu, st, sn, kd, b, d, ch, sa, ra)
ON CONFLICT (key) DO NOTHING
RETURNING key
"""
_GET = """
SELECT key, customer_id, customer::text AS customer, sender_type, sender_name, kind, body,
       data::text AS data, channel::text AS channel, sent_at, received_at, processed_at
FROM landbot_messages WHERE key = $1
"""


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


def _object(text: str) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(text)
    return decoded


class PostgresLandbotInbox:
    def __init__(self, pool: DirectPool, in_unit_of_work: SqlLandbotInbox) -> None:
        self._pool = pool
        self._sql = in_unit_of_work

    async def record(self, messages: Sequence[LandbotMessage]) -> list[str]:
        if not messages:
            return []
        rows = await self._pool.write(
            _RECORD,
            [m.key for m in messages],
            [m.customer_id for m in messages],
            [_json(m.customer) for m in messages],
            [m.sender_type for m in messages],
            [m.sender_name for m in messages],
            [m.kind for m in messages],
            [m.body for m in messages],
            [_json(m.data) for m in messages],
            [_json(m.channel) for m in messages],
            [m.sent_at for m in messages],
            [m.received_at for m in messages],
        )
        stored = {r["key"] for r in rows}
        new: list[str] = []
        for m in messages:  # in the order given, each once
            if m.key in stored and m.key not in new:
                new.append(m.key)
        return new

    async def get(self, key: str) -> LandbotMessage | None:
        rows = await self._pool.fetch(_GET, key)
        if not rows:
            return None
        r = rows[0]
        return LandbotMessage(
            r["key"],
            r["customer_id"],
            _object(r["customer"]),
            r["sender_type"],
            r["sender_name"],
            r["kind"],
            r["body"],
            _object(r["data"]),
            _object(r["channel"]),
            r["sent_at"],
            r["received_at"],
            r["processed_at"],
        )

    async def unprocessed(self, received_before: datetime, limit: int) -> list[str]:
        return await self._sql.unprocessed(received_before, limit)

    async def forget_processed(self, before: datetime, limit: int) -> int:
        return await self._sql.forget_processed(before, limit)

    async def claim(self, key: str, now: datetime) -> bool:
        return await self._sql.claim(key, now)
