"""On PostgreSQL, triggers keep data_point_minutes equal to the points each minute holds,
whatever writes them: COPY, the staging table's INSERT (duplicates left out), UPDATE,
DELETE, TRUNCATE, a rolled-back write, and the points already there when 0006 runs."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import make_engine, make_session_factory
from adapters.sql.datapoints import PostgresDataPointRepository
from adapters.sql.migrate import downgrade, upgrade
from domain.datapoints import DataPoint
from domain.ids import new_id
from tests.support.databases import migrated_empty

T0 = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)  # a minute boundary


def points(first: int, count: int, step: float = 7.5) -> list[DataPoint]:
    return [
        DataPoint(
            id=new_id(),
            time=T0 + timedelta(seconds=k * step),
            value=float(k),
            raw=k.to_bytes(4, "little"),
            valid=k % 3 != 0,
            tags=(),
        )
        for k in range(first, first + count)
    ]


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url, pool_size=2)
    await migrated_empty(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def conn(postgres_url: str, engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    yield connection
    await connection.close()


async def counts(
    conn: asyncpg.Connection,
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """(the kept counts, the counts the points give), minutes with no point left out."""
    kept = await conn.fetch(
        "SELECT minute, valid_points, invalid_points FROM data_point_minutes "
        "WHERE valid_points <> 0 OR invalid_points <> 0 ORDER BY minute"
    )
    actual = await conn.fetch(
        "SELECT floor(extract(epoch FROM time) / 60)::bigint, count(*) FILTER (WHERE valid), "
        "count(*) FILTER (WHERE NOT valid) FROM data_points GROUP BY 1 ORDER BY 1"
    )
    return [tuple(r) for r in kept], [tuple(r) for r in actual]


async def add(engine: AsyncEngine, batch: list[DataPoint], commit: bool = True) -> int:
    async with make_session_factory(engine)() as session:
        stored = await PostgresDataPointRepository(session).add_many(batch)
        if commit:
            await session.commit()
        else:
            await session.rollback()
    return stored


async def test_every_write_keeps_the_counts(engine: AsyncEngine, conn: asyncpg.Connection) -> None:
    assert await add(engine, points(0, 100)) == 100  # COPY straight into the table
    kept, actual = await counts(conn)
    assert kept == actual
    assert len(actual) == 13  # 100 points, 7.5 s apart
    # A repeat in the batch sends it through the staging table: only new points count.
    assert await add(engine, points(90, 30)) == 20
    assert await add(engine, points(200, 10), commit=False) == 10  # rolled back
    await conn.execute("UPDATE data_points SET valid = NOT valid WHERE value < 10")
    await conn.execute(
        "UPDATE data_points SET time = time + interval '1 hour' WHERE value BETWEEN 40 AND 45"
    )
    await conn.execute("DELETE FROM data_points WHERE value >= 110")
    kept, actual = await counts(conn)
    assert kept == actual
    assert sum(v + i for _, v, i in actual) == 110
    await conn.execute("TRUNCATE data_points")
    assert await counts(conn) == ([], [])


async def test_the_migration_counts_the_points_already_stored(
    engine: AsyncEngine, conn: asyncpg.Connection
) -> None:
    await add(engine, points(0, 50))
    await downgrade(engine, "0005")  # undoes 0006
    assert await conn.fetchval("SELECT to_regclass('data_point_minutes')") is None
    await upgrade(engine)
    kept, actual = await counts(conn)
    assert kept == actual
    assert sum(v + i for _, v, i in kept) == 50
