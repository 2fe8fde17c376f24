"""Inbound SMS on PostgreSQL, the webhook's write and reads one statement each on the
direct pool (docs/decisions/direct-pool.md): storing a message is its own transaction
(`INSERT ... ON CONFLICT DO NOTHING RETURNING`), with no ORM session, `BEGIN` or
`COMMIT` around it. Claiming one stays in the task's unit of work."""

from datetime import datetime

from adapters.sql.direct_pool import DirectPool
from adapters.sql.subscriptions import SqlInboundMessages
from domain.subscriptions import InboundSms

_RECORD = """
INSERT INTO inbound_sms (message_sid, from_phone, to_phone, body, received_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (message_sid) DO NOTHING
RETURNING 1
"""
_GET = """
SELECT message_sid, from_phone, to_phone, body, received_at, processed_at, requeues
FROM inbound_sms WHERE message_sid = $1
"""


class PostgresInboundMessages:
    def __init__(self, pool: DirectPool, in_unit_of_work: SqlInboundMessages) -> None:
        self._pool = pool
        self._sql = in_unit_of_work

    async def record(self, message: InboundSms) -> bool:
        m = message
        rows = await self._pool.write(
            _RECORD, m.message_sid, m.from_phone, m.to_phone, m.body, m.received_at
        )
        return bool(rows)

    async def get(self, message_sid: str) -> InboundSms | None:
        rows = await self._pool.fetch(_GET, message_sid)
        if not rows:
            return None
        r = rows[0]
        return InboundSms(
            r["message_sid"],
            r["from_phone"],
            r["to_phone"],
            r["body"],
            r["received_at"],
            r["processed_at"],
            r["requeues"],
        )

    async def claim(self, message_sid: str, now: datetime) -> bool:
        return await self._sql.claim(message_sid, now)

    async def unprocessed(self, received_before: datetime, most: int, limit: int) -> list[str]:
        return await self._sql.unprocessed(received_before, most, limit)
