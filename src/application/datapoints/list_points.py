from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.paging import POINT_LIMITS, CursorCodec, Page
from application.policy import visible_points
from application.ports.datapoints import DataPointReader
from domain.datapoints import MAX_SKIP, PageKey, PageQuery, PointReading
from domain.errors import FieldErrors
from domain.instants import parse_instant


def _dump(key: PageKey) -> bytes:
    return f"{key.time.isoformat()}|{key.id}".encode()


def _load(raw: bytes) -> PageKey:
    moment, _, ident = raw.decode().partition("|")
    time = datetime.fromisoformat(moment)
    if time.tzinfo is None:
        raise ValueError("the time has no offset")
    return PageKey(time, UUID(ident))


# The (time, id) of the last point, as ISO 8601 and the id's text.
POINT_CURSORS = CursorCodec(_dump, _load)


@dataclass(frozen=True, slots=True)
class ListDataPointsQuery:
    is_admin: bool
    start: str | None = None
    end: str | None = None
    skip: int = 0
    limit: int = POINT_LIMITS.default
    cursor: str | None = None
    valid: bool | None = None


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

    async def __call__(self, q: ListDataPointsQuery) -> Page[PointReading]:
        errors = FieldErrors()
        start = errors.check("start", parse_instant, q.start) if q.start is not None else None
        end = errors.check("end", parse_instant, q.end) if q.end is not None else None
        after = errors.check("cursor", POINT_CURSORS.decode, q.cursor)
        limit = errors.check("limit", POINT_LIMITS.check, q.limit)
        if not 0 <= q.skip <= MAX_SKIP:
            errors.add("skip", f"must be between 0 and {MAX_SKIP}")
        if start is not None and end is not None and start > end:
            errors.add("start", "must not be after end")
        errors.raise_if_any()
        valid = visible_points(q.is_admin, q.valid, "list")
        page = await self._points.page(PageQuery(start, end, valid, limit, q.skip, after))
        return Page(page.items, POINT_CURSORS.encode(page.next_key))
