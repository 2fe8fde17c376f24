"""On PostgreSQL a deep `skip` costs the walk over the skipped index entries and nothing
more: for every `valid` filter, with and without a cursor, the statement the reader sends
finds its start row on an index alone (index-only, no heap fetch, no entry filtered out)
and reads only the page's rows from the table. EXPLAIN ANALYZE shows what was done."""

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from adapters.persistence.database import make_engine, make_session_factory
from adapters.persistence.datapoint_reader import page_statement
from adapters.persistence.datapoints import SqlDataPointRepository
from adapters.persistence.migrate import upgrade
from domain.datapoints import DataPoint, PageKey, PageQuery
from domain.ids import new_id
from tests.conftest import reset_postgres

POINTS = 20_000  # one in four invalid
SKIP = 4_000
LIMIT = 100
T0 = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    engine = make_engine(postgres_url, pool_size=1)
    await reset_postgres(engine)
    await upgrade(engine)
    points = [
        DataPoint(
            id=new_id(),
            time=T0 + timedelta(milliseconds=i),
            value=float(i),
            raw=i.to_bytes(4, "little"),
            valid=i % 4 != 0,
            tags=(),
        )
        for i in range(POINTS)
    ]
    async with make_session_factory(engine)() as session:
        await SqlDataPointRepository(session).add_many(points)
        await session.commit()
    await engine.dispose()
    conn = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    # What autovacuum does in production: sets the visibility map (and the statistics),
    # without which an index-only scan still visits the table.
    await conn.execute("VACUUM ANALYZE data_points")
    try:
        yield conn
    finally:
        await conn.close()


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


@pytest.mark.parametrize("valid", [None, True, False], ids=["all", "valid", "invalid"])
@pytest.mark.parametrize("cursor", [False, True], ids=["skip", "cursor+skip"])
async def test_a_deep_skip_walks_an_index_alone(
    database: asyncpg.Connection, valid: bool | None, cursor: bool
) -> None:
    after = PageKey(T0 + timedelta(milliseconds=99), new_id()) if cursor else None
    sql, args = page_statement(PageQuery(None, None, valid, LIMIT, SKIP, after))
    explained = await database.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    plan = json.loads(explained)[0]["Plan"]
    assert plan["Actual Rows"] == LIMIT + 1
    scans = [n for n in nodes(plan) if "Relation Name" in n]
    walks = [n for n in scans if n["Actual Rows"] >= SKIP]
    assert len(walks) == 1, scans
    walk = walks[0]
    assert walk["Node Type"] == "Index Only Scan", walk
    assert walk["Heap Fetches"] == 0, walk
    assert walk.get("Rows Removed by Filter", 0) == 0, walk  # the index holds only matches
    assert walk["Actual Rows"] == SKIP + 1
    table_reads = [n for n in scans if n is not walk]
    assert [n["Actual Rows"] for n in table_reads] == [LIMIT + 1], table_reads
