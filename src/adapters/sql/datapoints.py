"""Data points in SQL.

Writing: COPY on PostgreSQL (straight into the table, or through a staging table and ON
CONFLICT DO NOTHING when the batch holds duplicates) and executemany on SQLite.

Reading: keyset pages on the (time, id) primary key and per-bucket aggregates, outside
any transaction (on PostgreSQL, pages come from the DirectPool).

The container picks the Postgres* classes on PostgreSQL and the Sql* ones on SQLite."""

# ruff: noqa: S608 -- the SQL here is built from fixed fragments and numbered parameters;
# no value is ever put into its text.

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import asyncpg
import msgspec
from sqlalchemy import ColumnElement, Integer, Select, and_, cast, func, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.sql.database import driver_connection
from adapters.sql.direct_pool import DirectPool
from adapters.sql.tables.datapoints import DataPointRow as Row
from application.gc_pause import gc_paused
from domain.datapoints import (
    BucketStats,
    DataPoint,
    PageKey,
    PageQuery,
    PointPage,
    PointReading,
    StatsQuery,
)

# The time as float8 Unix seconds (exact to the microsecond until 2106): asyncpg's
# timestamptz decoding cost 1.8 µs a row, 60 % of the whole fetch. Tags as text: only the
# few tagged points are decoded.


_COPIED_COLUMNS = ("id", "time", "value", "raw", "valid", "tags")
_STAGING = "data_points_staging"


class SqlDataPointRepository:
    """Writes with executemany (SQLite)."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        if not points:
            return 0
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
        result = await conn.execute(sqlite_insert(Row).on_conflict_do_nothing(), rows)
        return int(result.rowcount)


class PostgresDataPointRepository(SqlDataPointRepository):
    """Writes with COPY."""

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        if not points:
            return 0
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
                await driver.copy_records_to_table(
                    "data_points", records=records, columns=_COPIED_COLUMNS
                )
            return len(records)
        except asyncpg.UniqueViolationError:
            pass
        await conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} "
            "(LIKE data_points INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        driver = await driver_connection(conn)
        await driver.copy_records_to_table(_STAGING, records=records, columns=_COPIED_COLUMNS)
        cols = ", ".join(_COPIED_COLUMNS)
        status = await driver.execute(
            f"INSERT INTO data_points ({cols}) SELECT {cols} FROM {_STAGING} ON CONFLICT DO NOTHING"
        )
        await driver.execute(f"TRUNCATE {_STAGING}")
        return int(status.rsplit(" ", 1)[-1])  # "INSERT 0 <rows>"


def _json(cache: dict[tuple[str, ...], str], tags: tuple[str, ...]) -> str:
    cache[tags] = text = json.dumps(tags)
    return text


_PAGE_COLUMNS = "date_part('epoch', time), value, valid, tags::text, id"
# A page that skips N points reads neither the skipped rows nor their index entries one
# by one. `cut`: the counts of data_point_minutes, added up in minute order, give the
# minute where the page's first row is and how many matching points come before it.
# `first_row`: a walk on a narrow (time, id) index alone (the primary key, or the partial
# index of the valid or the invalid points, so no entry is filtered out) finds the row
# within that minute. Then the page is read from that key on. With a lower bound (start
# or cursor), `head` counts its minute's points in range by walking, and the row may be
# among them. Every part sees the statement's one snapshot, in which the triggers have
# kept the counts exact.
_DEEP_SKIP = """
WITH {head_cte}cut AS (
    SELECT minute, upto - n AS before
    FROM (SELECT minute, {counted} AS n, sum({counted}) OVER (ORDER BY minute) AS upto
          FROM data_point_minutes WHERE {minutes}) AS counted
    WHERE upto > {skip} - {head} ORDER BY minute LIMIT 1
), first_row AS (
    {in_head}SELECT time AS t, id AS i FROM data_points WHERE {after_cut}
    ORDER BY time, id OFFSET ({skip} - {head} - (SELECT before FROM cut))::bigint LIMIT 1{close}
)
SELECT {columns} FROM first_row, LATERAL (
    SELECT * FROM data_points WHERE {in_page} ORDER BY time, id {limit}
) AS page
"""
_COUNTED = {True: "valid_points", False: "invalid_points", None: "valid_points + invalid_points"}
_NO_TAGS = "[]"
# Straight to a tuple: 0.1 µs a tagged row against 1 µs for json.loads and tuple().
_decode_tags = msgspec.json.Decoder(tuple[str, ...]).decode
# What the named tuple's own _make does, without its Python-level __new__ per row: a page
# of 100 readings in 30 µs against 40.
_reading = partial(tuple.__new__, PointReading)


class SqlDataPointReader:
    """Pages and aggregates through the engine (SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def page(self, query: PageQuery) -> PointPage:
        # Rows are (time, value, valid, tags, id), one more than the page asked for: that
        # one tells whether another page follows.
        limit = query.limit
        rows = await self._rows(query)
        items = self._readings(rows[:limit])
        if len(rows) <= limit:
            return PointPage(items, None)
        return PointPage(items, PageKey(items[-1].time, rows[limit - 1][4]))

    async def _rows(self, query: PageQuery) -> Sequence[Any]:
        stmt = _filtered(
            select(Row.time, Row.value, Row.valid, Row.tags, Row.id),
            query.start,
            query.end,
            query.valid,
        )
        if query.after is not None:
            stmt = stmt.where(_after(query.after.time, query.after.id))
        stmt = stmt.order_by(Row.time, Row.id).offset(query.skip or None).limit(query.limit + 1)
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt)).all()

    @staticmethod
    def _readings(rows: Sequence[Any]) -> list[PointReading]:
        return [PointReading(r[0], r[1], r[2], tuple(r[3])) for r in rows]

    @staticmethod
    def _bucket(seconds: int) -> ColumnElement[Any]:
        # SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC.
        return cast(func.strftime("%s", Row.time), Integer) // seconds

    async def stats(self, query: StatsQuery) -> list[BucketStats]:
        seconds = query.bucket.seconds
        key = self._bucket(seconds).label("bucket")
        stmt = (
            _filtered(
                select(
                    key, func.count(), func.min(Row.value), func.max(Row.value), func.avg(Row.value)
                ),
                query.start,
                query.end,
                query.valid,
            )
            .group_by(key)
            .order_by(key)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
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


class PostgresDataPointReader(SqlDataPointReader):
    """Pages from the direct pool; aggregates through the engine."""

    def __init__(self, engine: AsyncEngine, reads: DirectPool) -> None:
        super().__init__(engine)
        self._reads = reads

    async def _rows(self, query: PageQuery) -> Sequence[Any]:
        # The hot read path: plain SQL on the driver, a prepared statement per filter
        # combination (asyncpg caches them), no SQLAlchemy row processing.
        sql, args = page_statement(query)
        return await self._reads.fetch(sql, *args)

    @staticmethod
    def _readings(rows: Sequence[Any]) -> list[PointReading]:
        at = datetime.fromtimestamp
        return [
            _reading((at(r[0], UTC), r[1], r[2], () if r[3] == _NO_TAGS else _decode_tags(r[3])))
            for r in rows
        ]

    @staticmethod
    def _bucket(seconds: int) -> ColumnElement[Any]:
        return func.floor(func.extract("epoch", Row.time) / seconds)


def page_statement(query: PageQuery) -> tuple[str, list[Any]]:
    """PostgreSQL's SQL and arguments for a page: rows (time, value, valid, tags, id),
    one more than the page asked for."""
    args: list[Any] = []

    def arg(value: Any, cast: str) -> str:
        args.append(value)
        return f"${len(args)}::{cast}"

    # `valid` as a literal, not a parameter: only then can the planner match `valid` /
    # `NOT valid` to its partial index (a prepared statement's generic plan could not).
    kept = [] if query.valid is None else ["valid" if query.valid else "NOT valid"]
    lower, upper, bound = [], [], None  # bound: where the lower bound's minute is
    if query.start is not None:
        bound = arg(query.start, "timestamptz")
        lower.append(f"time >= {bound}")
    if query.after is not None:
        at = arg(query.after.time, "timestamptz")
        # The row comparison lets the (time, id) indexes start the scan at the cursor.
        lower.append(f"(time, id) > ({at}, {arg(query.after.id, 'uuid')})")
        bound = f"greatest({bound}, {at})" if bound else at
    end = arg(query.end, "timestamptz") if query.end is not None else None
    if end:
        upper.append(f"time < {end}")
    # LIMIT as a literal (a bounded int): with a parameter there, PostgreSQL's generic
    # plan assumed a large result, so it planned every execution afresh (planning took as
    # long as the scan). Now the statement's plan is reused.
    limit = f"LIMIT {int(query.limit) + 1}"
    if not query.skip:
        where = " AND ".join(kept + lower + upper) or "true"
        sql = f"SELECT {_PAGE_COLUMNS} FROM data_points WHERE {where} ORDER BY time, id {limit}"
        return sql, args

    skip = arg(query.skip, "bigint")
    minutes = [f"minute <= floor(extract(epoch FROM {end}) / 60)"] if end else []
    parts = {"head_cte": "", "head": "0", "in_head": "", "close": ""}
    if bound:
        # The lower bound's minute is only partly in range: count its points there.
        first = f"floor(extract(epoch FROM {bound}) / 60)::bigint"
        in_range = " AND ".join([*kept, *lower, *upper])
        minutes.append(f"minute > {first}")
        parts = {
            "head_cte": f"head AS (SELECT count(*) AS n FROM data_points WHERE {in_range} "
            f"AND time < to_timestamp(({first} + 1) * 60.0)), ",
            "head": "(SELECT n FROM head)",
            "in_head": f"(SELECT time AS t, id AS i FROM data_points WHERE {in_range} "
            f"AND (SELECT n FROM head) > {skip} ORDER BY time, id OFFSET {skip} LIMIT 1) "
            "UNION ALL (",
            "close": ") LIMIT 1",
        }
    sql = _DEEP_SKIP.format(
        **parts,
        counted=_COUNTED[query.valid],
        minutes=" AND ".join(minutes) or "true",
        skip=skip,
        after_cut=" AND ".join(
            [*kept, *upper, "time >= to_timestamp((SELECT minute FROM cut) * 60.0)"]
        ),
        in_page=" AND ".join([*kept, *upper, "(time, id) >= (t, i)"]),
        columns=_PAGE_COLUMNS,
        limit=limit,
    )
    return sql, args


def _after(time: datetime, ident: object) -> ColumnElement[bool]:
    # Spelled out rather than a row comparison so SQLite binds the GUID type; the
    # leading `time >=` lets the index start at the cursor.
    return and_(Row.time >= time, or_(Row.time > time, Row.id > ident))


def _filtered(
    stmt: Select[Any], start: datetime | None, end: datetime | None, valid: bool | None
) -> Select[Any]:
    if start is not None:
        stmt = stmt.where(Row.time >= start)
    if end is not None:
        stmt = stmt.where(Row.time < end)
    if valid is not None:
        stmt = stmt.where(Row.valid if valid else ~Row.valid)  # matches the partial index
    return stmt
