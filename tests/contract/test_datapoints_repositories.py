"""DataPointRepository and DataPointReader: the in-memory fake and SQL on SQLite and
PostgreSQL must behave alike."""

import asyncio
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.datapoints import InMemoryDataPointRepository
from adapters.sql.database import make_session_factory
from adapters.sql.datapoints import (
    PostgresDataPointReader,
    PostgresDataPointRepository,
    SqlDataPointReader,
    SqlDataPointRepository,
)
from adapters.sql.direct_pool import APPLICATION_NAME
from application.ports.datapoints import DataPointReader, DataPointRepository
from domain.datapoints import Bucket, DataPoint, PageKey, PageQuery, PointReading, StatsQuery
from domain.ids import new_id
from tests.conftest import migrated_database

T0 = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)


@dataclass
class Store:
    points: DataPointRepository
    reader: DataPointReader
    db: AsyncSession | None

    async def save(self) -> None:
        if self.db is not None:
            await self.db.commit()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = InMemoryDataPointRepository()
        yield Store(memory, memory, None)
        return
    async with (
        migrated_database(request, tmp_path) as (engine, reads),
        make_session_factory(engine)() as session,
    ):
        if reads is None:  # SQLite
            yield Store(SqlDataPointRepository(session), SqlDataPointReader(engine), session)
        else:
            yield Store(
                PostgresDataPointRepository(session),
                PostgresDataPointReader(engine, reads),
                session,
            )


def dp(
    seconds: float,
    value: float = 1.0,
    *,
    raw: bytes | None = None,
    valid: bool = True,
    tags: tuple[str, ...] = (),
) -> DataPoint:
    return DataPoint(
        id=new_id(),
        time=T0 + timedelta(seconds=seconds),
        value=value,
        raw=raw if raw is not None else int(seconds * 1000).to_bytes(4, "little", signed=True),
        valid=valid,
        tags=tags,
    )


def page(
    limit: int = 100,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    valid: bool | None = None,
    skip: int = 0,
    after: PageKey | None = None,
) -> PageQuery:
    return PageQuery(start, end, valid, limit, skip, after)


async def test_add_many_skips_duplicates_in_store_and_in_batch(store: Store) -> None:
    first = [dp(0), dp(1.5, tags=("system", "too old"), valid=False)]
    assert await store.points.add_many(first) == 2
    await store.save()
    again = [dp(0), dp(2), dp(2)]  # same time and bytes as stored; then a repeat within the batch
    assert await store.points.add_many(again) == 1
    await store.save()
    same_time_other_bytes = dp(0, raw=b"\x01\x02\x03\x04")
    assert await store.points.add_many([same_time_other_bytes]) == 1
    await store.save()
    got = await items(store)
    assert len(got) == 4
    stored = next(p for p in got if p.tags)
    assert stored.tags == ("system", "too old")
    assert stored.valid is False
    assert stored.time == T0 + timedelta(seconds=1.5)
    assert stored.time.tzinfo is not None


async def test_round_trip_keeps_every_field_a_reader_sees(store: Store) -> None:
    point = dp(0.25, -0.19938130676746368, raw=bytes([157, 42, 76, 190]), tags=("a",))
    await store.points.add_many([point])
    await store.save()
    got = await store.reader.page(page())
    assert got.items == [PointReading(point.time, point.value, point.valid, ("a",))]
    assert got.next_key is None


async def test_times_keep_their_microseconds(store: Store) -> None:
    times = [
        datetime(2026, 11, 22, 1, 2, 3, micro, tzinfo=UTC) for micro in (0, 1, 499_999, 999_999)
    ]
    await store.points.add_many(
        [dp(0, raw=bytes([i, 0, 0, 0]))._replace(time=t) for i, t in enumerate(times)]
    )
    await store.save()
    assert [p.time for p in await items(store)] == times


async def test_page_orders_by_time_then_id_and_filters(store: Store) -> None:
    same_time = [dp(5, raw=bytes([i, 0, 0, 0])) for i in range(3)]
    others = [dp(s, valid=s % 2 == 0) for s in (9, 1, 7, 3)]
    await store.points.add_many(same_time + others)
    await store.save()
    walked = await walk(store, limit=1)
    expected = sorted((p.time, p.id) for p in same_time + others)
    assert [(k.time, k.id) for _, k in walked] == expected[:-1]  # the last page has no key
    assert len(await items(store)) == 7
    valid = await items(store, valid=True)
    assert len(valid) == 3
    assert all(p.valid for p in valid)
    invalid = await items(store, valid=False)
    assert len(invalid) == 4
    assert not any(p.valid for p in invalid)
    ranged = await items(store, start=T0 + timedelta(seconds=3), end=T0 + timedelta(seconds=7))
    assert [p.time.second for p in ranged] == [3, 5, 5, 5]  # end is exclusive


async def test_keyset_and_skip(store: Store) -> None:
    await store.points.add_many([dp(5, raw=bytes([i, 0, 0, 0])) for i in range(4)] + [dp(1), dp(9)])
    await store.save()
    everything = await items(store)
    assert len(everything) == 6
    first = await store.reader.page(page(limit=3))
    assert first.items == everything[:3]
    assert first.next_key is not None
    rest = await store.reader.page(page(after=first.next_key))
    assert rest.items == everything[3:]
    assert rest.next_key is None
    skipped = await store.reader.page(page(limit=2, skip=1, after=first.next_key))
    assert skipped.items == everything[4:6]
    assert skipped.next_key is None
    assert (await store.reader.page(page(limit=2, skip=4))).items == everything[4:6]
    exact = await store.reader.page(page(limit=6))
    assert (exact.items, exact.next_key) == (everything, None)


@pytest.mark.parametrize("valid", [None, True, False], ids=["all", "valid", "invalid"])
async def test_skip_with_and_without_cursor_for_every_valid_filter(
    store: Store, valid: bool | None
) -> None:
    # Three points per time (ties go by id); one in three invalid, spread over the ties.
    stored = [
        dp(i // 3, float(i), raw=bytes([i, 0, 0, 0]), valid=i % 3 != i // 3 % 3) for i in range(36)
    ]
    await store.points.add_many(stored)
    await store.save()
    matching = sorted(
        (p for p in stored if valid is None or p.valid is valid), key=lambda p: (p.time, p.id)
    )
    expected = [PointReading(p.time, p.value, p.valid, p.tags) for p in matching]
    total = len(expected)
    assert total == {None: 36, True: 24, False: 12}[valid]

    for skip in (0, 1, 2, 7, total - 4, total - 3, total - 1, total, total + 5):
        got = await store.reader.page(page(limit=3, skip=skip, valid=valid))
        assert got.items == expected[skip : skip + 3], skip
        last = matching[skip + 2] if skip + 3 < total else None
        assert got.next_key == (last and PageKey(last.time, last.id)), skip

    first = await store.reader.page(page(limit=4, valid=valid))
    assert first.next_key == PageKey(matching[3].time, matching[3].id)
    for skip in (0, 1, 5, total - 5, total - 4):
        after = await store.reader.page(page(limit=3, skip=skip, after=first.next_key, valid=valid))
        assert after.items == expected[4 + skip : 4 + skip + 3], skip
        assert (after.next_key is None) == (4 + skip + 3 >= total), skip

    start, end = T0 + timedelta(seconds=2), T0 + timedelta(seconds=9)  # times 2..8
    ranged = [r for r in expected if start <= r.time < end]
    got = await store.reader.page(page(limit=5, skip=4, start=start, end=end, valid=valid))
    assert got.items == ranged[4:9]


# Seconds after T0, a minute boundary: points just before, on and after later boundaries
# (three sharing one time on a boundary), a minute with no point, a lone point at the end.
SPREAD = [0, 0.5, 59.999, 60, 60, 60, 60.001, 61, 119.5, 200, 239.999999, 240, 240, 241, 299]


@pytest.mark.parametrize("valid", [None, True, False], ids=["all", "valid", "invalid"])
async def test_skip_across_minutes_with_every_bound(store: Store, valid: bool | None) -> None:
    stored = [
        dp(seconds, float(i), raw=bytes([i, 1, 0, 0]), valid=i % 3 != 1)
        for i, seconds in enumerate(SPREAD * 2)
    ]
    await store.points.add_many(stored)
    await store.save()
    matching = sorted(
        (p for p in stored if valid is None or p.valid is valid), key=lambda p: (p.time, p.id)
    )
    at = [T0 + timedelta(seconds=s) for s in (60, 60.0005, 200.5, 240)]
    cursors = [PageKey(matching[k].time, matching[k].id) for k in (2, 5, 9)]
    # (start, after): the lower bounds, alone and together.
    lowers: list[tuple[datetime | None, PageKey | None]] = [
        (None, None),
        (at[0], None),
        (at[1], None),
        *((None, key) for key in cursors),
        (at[1], cursors[0]),
        (at[0], cursors[2]),
    ]
    for start, after in lowers:
        for end in (None, at[2], at[3]):
            lower = (start, after)
            in_range = [
                p
                for p in matching
                if (start is None or p.time >= start)
                and (after is None or (p.time, p.id) > (after.time, after.id))
                and (end is None or p.time < end)
            ]
            for skip in (0, 1, 2, 3, 4, 6, 9, 13, len(in_range) - 1, len(in_range) + 1):
                if skip < 0:
                    continue
                got = await store.reader.page(
                    page(limit=3, skip=skip, valid=valid, end=end, start=start, after=after)
                )
                want = in_range[skip : skip + 3]
                case = (lower, end, skip)
                assert got.items == [
                    PointReading(p.time, p.value, p.valid, p.tags) for p in want
                ], case
                more = skip + 3 < len(in_range)
                assert got.next_key == (PageKey(want[-1].time, want[-1].id) if more else None), case


async def test_stats_per_bucket(store: Store) -> None:
    await store.points.add_many(
        [dp(10, 1.0), dp(20, 3.0), dp(70, -2.0), dp(80, 4.0, valid=False), dp(3600 * 25, 8.0)]
    )
    await store.save()
    query = StatsQuery(T0, T0 + timedelta(days=2), Bucket.MINUTE, None)
    minutes = await store.reader.stats(query)
    assert [(b.start, b.count, b.min, b.max, b.mean) for b in minutes] == [
        (T0, 2, 1.0, 3.0, 2.0),
        (T0 + timedelta(minutes=1), 2, -2.0, 4.0, 1.0),
        (T0 + timedelta(hours=25), 1, 8.0, 8.0, 8.0),
    ]
    valid_hours = await store.reader.stats(
        StatsQuery(T0, T0 + timedelta(days=2), Bucket.HOUR, True)
    )
    assert [(b.count, b.mean) for b in valid_hours] == [(3, pytest.approx(2 / 3)), (1, 8.0)]
    days = await store.reader.stats(
        StatsQuery(T0 - timedelta(days=1), T0 + timedelta(hours=1), Bucket.DAY, None)
    )
    assert [(b.start, b.count) for b in days] == [(datetime(2024, 4, 22, tzinfo=UTC), 4)]


async def test_bulk_add(store: Store) -> None:
    points = [dp(i / 1000) for i in range(5000)]
    assert await store.points.add_many(points) == 5000
    await store.save()
    assert len(await items(store, limit=6000)) == 5000


async def test_a_read_survives_its_connection_being_dropped(
    store: Store, request: pytest.FixtureRequest
) -> None:
    if "postgres" not in request.node.callspec.id:
        pytest.skip("the direct pool is PostgreSQL's")
    await store.points.add_many([dp(1), dp(2)])
    await store.save()
    assert len(await items(store)) == 2
    url = request.getfixturevalue("postgres_url").replace("+asyncpg", "")
    # Kill the pool's connections while this event loop is blocked, so the pool cannot
    # notice before the next read: that read's first query fails, and it must retry.
    assert _blocking(_terminate_read_connections(url)) >= 1
    assert len(await items(store)) == 2


async def _terminate_read_connections(url: str) -> int:
    admin = await asyncpg.connect(url)
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1",
                APPLICATION_NAME,
            )
        )
    finally:
        await admin.close()


def _blocking(work: Coroutine[Any, Any, int]) -> int:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def test_the_reader_sees_only_committed_points(store: Store) -> None:
    if store.db is None:
        pytest.skip("the in-memory reader reads the tables its writer writes: no isolation")
    await store.points.add_many([dp(1)])
    assert await items(store) == []
    await store.save()
    assert len(await items(store)) == 1


async def items(
    store: Store,
    limit: int = 100,
    *,
    valid: bool | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[PointReading]:
    return (await store.reader.page(page(limit, valid=valid, start=start, end=end))).items


async def walk(store: Store, limit: int) -> list[tuple[list[PointReading], PageKey]]:
    """Every page up to the last, with the key that continues after it."""
    pages: list[tuple[list[PointReading], PageKey]] = []
    after = None
    while True:
        got = await store.reader.page(page(limit, after=after))
        if got.next_key is None:
            return pages
        pages.append((got.items, got.next_key))
        after = got.next_key
