"""Writing data points in SQL: COPY on PostgreSQL (straight into the table, or through a
staging table and ON CONFLICT DO NOTHING when the batch holds duplicates) and
executemany on SQLite."""

import json
from collections.abc import Sequence

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.database import driver_connection
from adapters.persistence.datapoint_rows import DataPointRow
from application.gc_pause import gc_paused
from domain.datapoints import DataPoint

_COLUMNS = ("id", "time", "value", "raw", "valid", "tags")
_STAGING = "data_points_staging"


class SqlDataPointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        if not points:
            return 0
        if self._postgres:
            return await self._copy(points)
        rows = [
            {
                "id": p.id,
                "time": p.time,
                "value": p.value,
                "raw": p.raw,
                "valid": p.valid,
                "tags": list(p.tags),
            }
            for p in points
        ]
        conn = await self._db.connection()  # Core executemany: sqlite3 sums the rowcount
        result = await conn.execute(sqlite_insert(DataPointRow).on_conflict_do_nothing(), rows)
        return int(result.rowcount)

    async def _copy(self, points: Sequence[DataPoint]) -> int:
        tag_json: dict[tuple[str, ...], str] = {}  # few distinct tag sets per batch
        with gc_paused():
            records = [
                (
                    p.id,
                    p.time,
                    p.value,
                    p.raw,
                    p.valid,
                    tag_json.get(p.tags) or _json(tag_json, p.tags),
                )
                for p in points
            ]
        conn = await self._db.connection()
        # Fast path: COPY straight into the table, inside a savepoint. A duplicate makes
        # the unique index refuse the whole COPY; then the batch goes through a staging
        # table and INSERT ... ON CONFLICT DO NOTHING, which skips just the duplicates.
        # SQLAlchemy opens the transaction and savepoint, so the raw driver's COPY commits
        # or rolls back with the session.
        try:
            async with conn.begin_nested():
                driver = await driver_connection(conn)
                await driver.copy_records_to_table("data_points", records=records, columns=_COLUMNS)
            return len(records)
        except asyncpg.UniqueViolationError:
            pass
        await conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} "
            "(LIKE data_points INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        driver = await driver_connection(conn)
        await driver.copy_records_to_table(_STAGING, records=records, columns=_COLUMNS)
        cols = ", ".join(_COLUMNS)
        status = await driver.execute(
            f"INSERT INTO data_points ({cols}) SELECT {cols} FROM {_STAGING} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        await driver.execute(f"TRUNCATE {_STAGING}")
        return int(status.rsplit(" ", 1)[-1])  # "INSERT 0 <rows>"


def _json(cache: dict[tuple[str, ...], str], tags: tuple[str, ...]) -> str:
    cache[tags] = text = json.dumps(tags)
    return text
