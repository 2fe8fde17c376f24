"""On PostgreSQL a deep `skip` reads neither the skipped rows nor their index entries one
by one: for every `valid` filter, with and without a cursor or a time range, the
statement the reader sends adds up per-minute counts, walks an index alone (index-only,
no heap fetch, no entry filtered out) within at most the minute of its lower bound and
the minute of its first row, and reads only about the page's rows from the table.
EXPLAIN ANALYZE shows what was done."""

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from adapters.sql.database import make_engine, make_session_factory
from adapters.sql.datapoints import PostgresDataPointRepository, page_statement
from domain.datapoints import DataPoint, PageKey, PageQuery
from domain.ids import new_id
from tests.support.databases import migrated_empty

POINTS = 30_000  # one in four invalid
PER_MINUTE = 500  # one point every 120 ms, for an hour
SKIP = 6_000
LIMIT = 100
T0 = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    engine = make_engine(postgres_url, pool_size=1)
    await migrated_empty(engine)
    points = [
        DataPoint(
            id=new_id(),
            time=T0 + timedelta(milliseconds=i * 60_000 // PER_MINUTE),
            value=float(i),
            raw=i.to_bytes(4, "little"),
            valid=i % 4 != 0,
            tags=(),
        )
        for i in range(POINTS)
    ]
    async with make_session_factory(engine)() as session:
        await PostgresDataPointRepository(session).add_many(points)
        await session.commit()
    await engine.dispose()
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    # What autovacuum does in production: sets the visibility map (and the statistics),
    # without which an index-only scan still visits the table.
    await conn.execute("VACUUM ANALYZE data_points, data_point_minutes")
    try:
        yield conn
    finally:
        await conn.close()


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


BOUNDS = {
    "skip": {},
    "cursor+skip": {"after": PageKey(T0 + timedelta(seconds=90.06), new_id())},
    "range+skip": {
        "start": T0 + timedelta(seconds=30.03),
        "end": T0 + timedelta(minutes=50),
    },
}


@pytest.mark.parametrize("valid", [None, True, False], ids=["all", "valid", "invalid"])
@pytest.mark.parametrize("bounds", BOUNDS.values(), ids=BOUNDS.keys())
async def test_a_deep_skip_walks_at_most_two_minutes_of_an_index(
    database: asyncpg.Connection, valid: bool | None, bounds: dict[str, Any]
) -> None:
    query = PageQuery(
        bounds.get("start"), bounds.get("end"), valid, LIMIT, SKIP, bounds.get("after")
    )
    sql, args = page_statement(query)
    explained = await database.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    plan = json.loads(explained)[0]["Plan"]
    assert plan["Actual Rows"] == LIMIT + 1
    scans = [n for n in nodes(plan) if n.get("Relation Name") == "data_points"]
    walks = [n for n in scans if n["Node Type"] == "Index Only Scan"]
    for walk in walks:
        assert walk["Heap Fetches"] == 0, walk
        assert walk.get("Rows Removed by Filter", 0) == 0, walk  # the index holds only matches
        assert walk["Actual Rows"] * walk["Actual Loops"] <= PER_MINUTE, walk
    assert sum(w["Actual Rows"] for w in walks) <= 2 * PER_MINUTE
    # The page itself: its rows, and with a time range maybe a few hundred the planner's
    # choice of index filters out, never the skipped ones.
    table_reads = [n for n in scans if n not in walks]
    read = sum(n["Actual Rows"] + n.get("Rows Removed by Filter", 0) for n in table_reads)
    assert LIMIT + 1 <= read <= PER_MINUTE, table_reads
    counts = [n for n in nodes(plan) if n.get("Relation Name") == "data_point_minutes"]
    assert sum(n["Actual Rows"] for n in counts) <= POINTS // PER_MINUTE
