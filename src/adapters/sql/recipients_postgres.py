"""Recipients on PostgreSQL, each call one statement on the direct pool, its own
transaction, in one round trip: the reads of sending, and the upserts of PUT and bulk (a
PUT is a read and a write, not BEGIN, a read, a write and COMMIT through the ORM). A bulk
call reads its recipients in one `SELECT` and writes them in one `INSERT ... SELECT FROM
json_populate_recordset(...)`: the external ids and the rows travel as JSON documents,
which msgspec writes and PostgreSQL reads in C; as arrays (17 of 1,000 values), asyncpg's
encoding took a fifth of the request's CPU."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from adapters.sql.direct_pool import DirectPool
from adapters.sql.recipients import TAKEN, R, recipient_of, row_values
from domain.errors import Conflict
from domain.recipients import ExternalId, Recipient

_COLUMNS = tuple(c.name for c in R.c)
_LIST = ", ".join(_COLUMNS)
# As the portable save: replaced by id, its created_at kept.
_ON_CONFLICT = "ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in ("id", "created_at")
)

# Built from the table's column names, never from input (hence the S608 noqas).
_GET = f"SELECT {_LIST} FROM recipients WHERE external_id = $1"  # noqa: S608
_GET_BY_USER = f"SELECT {_LIST} FROM recipients WHERE user_id = $1"  # noqa: S608
_GET_MANY = (
    f"SELECT {_LIST} FROM recipients "  # noqa: S608
    "WHERE external_id IN (SELECT json_array_elements_text($1::json))"
)
_PLACES = ", ".join(f"${i}" for i in range(1, len(_COLUMNS) + 1))
_UPSERT = f"INSERT INTO recipients ({_LIST}) VALUES ({_PLACES}) {_ON_CONFLICT}"  # noqa: S608
# In the order of their ids: concurrent bulks replacing the same recipients lock their
# rows in one order, and wait for each other instead of deadlocking.
_JSON_ROWS = "json_populate_recordset(NULL::recipients, $1::json)"
_ROWS = f"SELECT {_LIST} FROM {_JSON_ROWS} ORDER BY id"  # noqa: S608
_UPSERT_MANY = f"INSERT INTO recipients ({_LIST}) {_ROWS} {_ON_CONFLICT}"


def _args(r: Recipient) -> list[Any]:
    values = row_values(r)
    return [values[c] for c in _COLUMNS]


class PostgresRecipientReader:
    """RecipientReader on PostgreSQL: one round trip on the direct pool."""

    def __init__(self, pool: DirectPool) -> None:
        self._pool = pool

    async def get(self, external_id: ExternalId) -> Recipient | None:
        rows = await self._pool.fetch(_GET, external_id.value)
        return recipient_of(rows[0]) if rows else None

    async def get_by_user(self, user_id: UUID) -> Recipient | None:
        rows = await self._pool.fetch(_GET_BY_USER, user_id)
        return recipient_of(rows[0]) if rows else None


class PostgresRecipientUpserts(PostgresRecipientReader):
    """The reader's `get`, and the reads and saves of PUT and bulk."""

    async def get_many(self, external_ids: Sequence[ExternalId]) -> dict[ExternalId, Recipient]:
        wanted = msgspec.json.encode([e.value for e in external_ids]).decode()
        rows = await self._pool.fetch(_GET_MANY, wanted)
        found = (recipient_of(row) for row in rows)
        return {r.external_id: r for r in found}

    async def save(self, recipient: Recipient) -> None:
        await self._write(_UPSERT, *_args(recipient))

    async def save_many(self, recipients: Sequence[Recipient]) -> None:
        if not recipients:
            return
        rows = msgspec.json.encode([row_values(r) for r in recipients])
        await self._write(_UPSERT_MANY, rows.decode())

    async def _write(self, sql: str, *args: Any) -> None:
        try:
            await self._pool.write(sql, *args)
        except asyncpg.IntegrityConstraintViolationError:
            raise Conflict(TAKEN) from None
