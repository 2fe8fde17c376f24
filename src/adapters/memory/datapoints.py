"""In-memory data points, both sides of the store: for unit tests, held to the same
contract suite as SQL."""

from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.memory.transactions import MemoryStore
from domain.datapoints import (
    BucketStats,
    DataPoint,
    PageKey,
    PageQuery,
    PointPage,
    PointReading,
    StatsQuery,
)


class InMemoryDataPointRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._by_key: dict[tuple[datetime, bytes], DataPoint] = (
            store or MemoryStore()
        ).dict_table()

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        stored = 0
        for point in points:
            key = (point.time, point.raw)
            if key not in self._by_key:
                self._by_key[key] = point
                stored += 1
        return stored

    def _matching(
        self, start: datetime | None, end: datetime | None, valid: bool | None
    ) -> list[DataPoint]:
        return [
            p
            for p in self._by_key.values()
            if (start is None or p.time >= start)
            and (end is None or p.time < end)
            and (valid is None or p.valid is valid)
        ]

    async def page(self, query: PageQuery) -> PointPage:
        points = sorted(
            self._matching(query.start, query.end, query.valid), key=lambda p: (p.time, p.id)
        )
        if query.after is not None:
            after = (query.after.time, query.after.id)
            points = [p for p in points if (p.time, p.id) > after]
        rows = points[query.skip : query.skip + query.limit + 1]
        items = rows[: query.limit]
        more = len(rows) > query.limit
        return PointPage(
            [PointReading(p.time, p.value, p.valid, p.tags) for p in items],
            PageKey(items[-1].time, items[-1].id) if more else None,
        )

    async def stats(self, query: StatsQuery) -> list[BucketStats]:
        seconds = query.bucket.seconds
        groups: dict[int, list[float]] = {}
        for p in self._matching(query.start, query.end, query.valid):
            groups.setdefault(int(p.time.timestamp()) // seconds, []).append(p.value)
        return [
            BucketStats(
                start=datetime.fromtimestamp(key * seconds, UTC),
                count=len(values),
                min=min(values),
                max=max(values),
                mean=sum(values) / len(values),
            )
            for key, values in sorted(groups.items())
        ]
