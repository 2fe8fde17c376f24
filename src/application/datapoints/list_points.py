from dataclasses import dataclass

from application.ports.datapoints import DataPointReader
from domain.datapoints import (
    DEFAULT_PAGE,
    MAX_PAGE,
    MAX_SKIP,
    PageKey,
    PageQuery,
    PointReading,
)
from domain.errors import FieldErrors, PermissionDenied
from domain.instants import parse_instant


@dataclass(frozen=True, slots=True)
class ListDataPointsQuery:
    is_admin: bool
    start: str | None = None
    end: str | None = None
    skip: int = 0
    limit: int = DEFAULT_PAGE
    cursor: str | None = None
    valid: bool | None = None


@dataclass(frozen=True, slots=True)
class DataPage:
    items: list[PointReading]
    next_cursor: str | None  # None on the last page


class ListDataPoints:
    """One page of data points in [start, end), ordered by time then id.

    Rules: 1 <= limit <= 1000 (default 100); 0 <= skip <= 1,000,000; start and end are
    ISO 8601 with an offset and start <= end; every bad field is reported at once.
    A user sees valid points only and may not ask for invalid ones (PermissionDenied);
    an admin sees all, or filters with `valid`. `cursor` continues after the last point
    of an earlier page (keyset, stable under inserts); `skip` then skips further.
    """

    def __init__(self, points: DataPointReader) -> None:
        self._points = points

    async def __call__(self, q: ListDataPointsQuery) -> DataPage:
        errors = FieldErrors()
        start = errors.check("start", parse_instant, q.start) if q.start is not None else None
        end = errors.check("end", parse_instant, q.end) if q.end is not None else None
        after = errors.check("cursor", PageKey.decode, q.cursor) if q.cursor is not None else None
        if not 1 <= q.limit <= MAX_PAGE:
            errors.add("limit", f"must be between 1 and {MAX_PAGE}")
        if not 0 <= q.skip <= MAX_SKIP:
            errors.add("skip", f"must be between 0 and {MAX_SKIP}")
        if start is not None and end is not None and start > end:
            errors.add("start", "must not be after end")
        errors.raise_if_any()
        valid = q.valid
        if not q.is_admin:
            if valid is False:
                raise PermissionDenied("only admins may list invalid data points")
            valid = True
        page = await self._points.page(PageQuery(start, end, valid, q.limit, q.skip, after))
        return DataPage(page.items, page.next_key.encode() if page.next_key else None)
