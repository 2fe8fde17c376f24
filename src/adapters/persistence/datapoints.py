"""Data points in SQL. Bulk writes use COPY on PostgreSQL (straight into the table, or
through a staging table and ON CONFLICT DO NOTHING when the batch holds duplicates) and
executemany on SQLite; pages are keyset queries on the (time, id) primary key."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import ColumnElement, Integer, Select, and_, cast, func, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from adapters.persistence.datapoint_rows import DataPointRow
from application.allocation import gc_paused
from domain.datapoints import BucketStats, DataPoint, PageQuery, StatsQuery

_COLUMNS = ("id", "time", "value", "raw", "valid", "tags")
_STAGING = "data_points_staging"
_ROW = DataPointRow


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
        result = await conn.execute(sqlite_insert(_ROW).on_conflict_do_nothing(), rows)
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
                driver = await _driver(conn)
                await driver.copy_records_to_table("data_points", records=records, columns=_COLUMNS)
            return len(records)
        except asyncpg.UniqueViolationError:
            pass
        await conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} "
            "(LIKE data_points INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        driver = await _driver(conn)
        await driver.copy_records_to_table(_STAGING, records=records, columns=_COLUMNS)
        cols = ", ".join(_COLUMNS)
        status = await driver.execute(
            f"INSERT INTO data_points ({cols}) SELECT {cols} FROM {_STAGING} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        await driver.execute(f"TRUNCATE {_STAGING}")
        return int(status.rsplit(" ", 1)[-1])  # "INSERT 0 <rows>"

    async def page(self, query: PageQuery) -> list[DataPoint]:
        if self._postgres:
            return await self._page_postgres(query)
        stmt = _filtered(
            select(_ROW.id, _ROW.time, _ROW.value, _ROW.raw, _ROW.valid, _ROW.tags),
            query.start,
            query.end,
            query.valid,
        )
        if query.after is not None:
            stmt = stmt.where(_after(query.after.time, query.after.id))
        stmt = stmt.order_by(_ROW.time, _ROW.id).offset(query.skip or None).limit(query.limit)
        rows = (await self._db.execute(stmt)).all()
        return [
            DataPoint(id=r[0], time=r[1], value=r[2], raw=r[3], valid=r[4], tags=tuple(r[5]))
            for r in rows
        ]

    async def _page_postgres(self, query: PageQuery) -> list[DataPoint]:
        # The hot read path: plain SQL on the driver, a prepared statement per filter
        # combination (asyncpg caches them), tags as text, no ORM row processing. The
        # row comparison lets both (time, id) indexes start the scan at the cursor.
        conditions: list[str] = []
        args: list[Any] = []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if query.valid is not None:
            conditions.append(f"valid = {arg(query.valid)}")
        if query.start is not None:
            conditions.append(f"time >= {arg(query.start)}")
        if query.end is not None:
            conditions.append(f"time < {arg(query.end)}")
        if query.after is not None:
            conditions.append(f"(time, id) > ({arg(query.after.time)}, {arg(query.after.id)})")
        where = " AND ".join(conditions) or "true"
        sql = (
            "SELECT id, time, value, raw, valid, tags::text FROM data_points "  # noqa: S608
            f"WHERE {where} ORDER BY time, id LIMIT {arg(query.limit)} OFFSET {arg(query.skip)}"
        )
        driver = await _driver(await self._db.connection())
        rows = await driver.fetch(sql, *args)
        no_tags = "[]"
        return [
            DataPoint(
                id=r[0],
                time=r[1],
                value=r[2],
                raw=r[3],
                valid=r[4],
                tags=() if r[5] == no_tags else tuple(json.loads(r[5])),
            )
            for r in rows
        ]

    async def stats(self, query: StatsQuery) -> list[BucketStats]:
        seconds = query.bucket.seconds
        key = (
            func.floor(func.extract("epoch", _ROW.time) / seconds)
            if self._postgres  # SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
            else cast(func.strftime("%s", _ROW.time), Integer) // seconds
        ).label("bucket")
        stmt = (
            _filtered(
                select(
                    key,
                    func.count(),
                    func.min(_ROW.value),
                    func.max(_ROW.value),
                    func.avg(_ROW.value),
                ),
                query.start,
                query.end,
                query.valid,
            )
            .group_by(key)
            .order_by(key)
        )
        rows = (await self._db.execute(stmt)).all()
        return [
            BucketStats(
                start=datetime.fromtimestamp(int(r[0]) * seconds, UTC),
                count=int(r[1]),
                min=float(r[2]),
                max=float(r[3]),
                mean=float(r[4]),
            )
            for r in rows
        ]


def _json(cache: dict[tuple[str, ...], str], tags: tuple[str, ...]) -> str:
    cache[tags] = text = json.dumps(tags)
    return text


async def _driver(conn: AsyncConnection) -> asyncpg.Connection:
    driver = (await conn.get_raw_connection()).driver_connection
    assert isinstance(driver, asyncpg.Connection)
    return driver


def _after(time: datetime, ident: object) -> ColumnElement[bool]:
    # Spelled out rather than a row comparison so SQLite binds the GUID type; the
    # leading `time >=` lets the index start at the cursor.
    return and_(_ROW.time >= time, or_(_ROW.time > time, _ROW.id > ident))


def _filtered(
    stmt: Select[Any], start: datetime | None, end: datetime | None, valid: bool | None
) -> Select[Any]:
    if start is not None:
        stmt = stmt.where(_ROW.time >= start)
    if end is not None:
        stmt = stmt.where(_ROW.time < end)
    if valid is not None:
        stmt = stmt.where(_ROW.valid == valid)  # '=', not IS: the index serves equality
    return stmt
