"""Ports of the data-point feature: the upstream source, and the point store's write and
read sides."""

from collections.abc import Sequence
from typing import Protocol

from domain.datapoints import BucketStats, DataPoint, PageQuery, PointPage, StatsQuery
from domain.errors import DomainError


class UpstreamMalformed(DomainError):
    """The upstream answered, but unusably (not JSON, too large); `raw` is the start of it."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw


class DataSource(Protocol):
    async def fetch(self) -> object:
        """One upstream call: the parsed JSON document (a point or a list of points,
        checked by the domain, not here).

        Raises UpstreamUnavailable when the upstream cannot be reached, times out or
        answers with an error status (after the adapter's bounded retries), and
        UpstreamMalformed when the answer is not JSON or too large.
        """
        ...


class DataPointRepository(Protocol):
    """The write side, in the request's transaction."""

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        """Stage points in bulk, skipping any whose (time, raw bytes) is already stored
        (or repeated in `points`); returns how many were new."""
        ...


class DataPointReader(Protocol):
    """The read side: committed points only, outside any transaction, so the hot read
    path costs one database round trip."""

    async def page(self, query: PageQuery) -> PointPage:
        """Points in [start, end), ordered by time then id, after `query.after`, then
        `skip` more, at most `limit`; `next_key` is set when more points follow."""
        ...

    async def stats(self, query: StatsQuery) -> list[BucketStats]:
        """Count, min, max and mean of value per UTC bucket in [start, end), by bucket
        start; empty buckets are left out."""
        ...
