from dataclasses import dataclass
from datetime import datetime

from application.policy import visible_points
from application.ports.clock import Clock
from application.ports.datapoints import DataPointReader
from domain.datapoints import MAX_BUCKETS, Bucket, BucketStats, StatsQuery
from domain.errors import FieldErrors, InvalidValue
from domain.instants import parse_instant


@dataclass(frozen=True, slots=True)
class SummarizeQuery:
    is_admin: bool
    bucket: str = "hour"
    start: str | None = None
    end: str | None = None
    valid: bool | None = None


@dataclass(frozen=True, slots=True)
class DataSummary:
    bucket: Bucket
    start: datetime
    end: datetime
    buckets: list[BucketStats]


def _bucket(raw: str) -> Bucket:
    try:
        return Bucket(raw)
    except ValueError as exc:
        raise InvalidValue("must be one of minute, hour, day") from exc


class SummarizeDataPoints:
    """Count, min, max and mean of `value` per minute, hour or day (UTC) in [start, end).

    Rules: `end` defaults to now and `start` to one day (minute buckets), 30 days (hour)
    or 365 days (day) before `end`; start <= end; at most 10,000 buckets per answer.
    Users get valid points only (asking for invalid ones is PermissionDenied); admins
    get all, or filter with `valid`. Empty buckets are left out.
    """

    def __init__(self, points: DataPointReader, clock: Clock) -> None:
        self._points = points
        self._clock = clock

    async def __call__(self, q: SummarizeQuery) -> DataSummary:
        errors = FieldErrors()
        bucket = errors.check("bucket", _bucket, q.bucket)
        start = errors.check("start", parse_instant, q.start) if q.start is not None else None
        end = errors.check("end", parse_instant, q.end) if q.end is not None else None
        errors.raise_if_any()
        end = end or self._clock.now()
        start = start or end - bucket.default_span
        if start > end:
            errors.add("start", "must not be after end")
        elif (end - start).total_seconds() / bucket.seconds > MAX_BUCKETS:
            errors.add("start", f"the range spans more than {MAX_BUCKETS} {bucket.value} buckets")
        errors.raise_if_any()
        valid = visible_points(q.is_admin, q.valid, "summarize")
        buckets = await self._points.stats(StatsQuery(start, end, bucket, valid))
        return DataSummary(bucket, start, end, buckets)
