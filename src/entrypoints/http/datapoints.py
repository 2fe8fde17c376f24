"""/api/populate, /api/data and /api/data/stats: ingestion and reading of data points."""

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from application.accounts.authenticate import Principal
from application.datapoints.list_points import ListDataPoints, ListDataPointsQuery
from application.datapoints.populate import (
    MAX_FETCHES,
    MAX_REPORTED_REJECTIONS,
    IngestionReport,
    PopulateCommand,
    PopulateDataPoints,
)
from application.datapoints.summarize import SummarizeDataPoints, SummarizeQuery
from application.paging import POINT_LIMITS
from domain.datapoints import MAX_BUCKETS, MAX_SKIP, MAX_TAGS, Bucket
from entrypoints.http.schemas import documented, problem_responses, rules
from entrypoints.http.security import SECURITY, admin_only

_Instant = Annotated[
    str | None,
    QueryParameter(
        description="ISO 8601 with an offset, e.g. 2024-04-22T15:07:57Z",
        max_length=64,
        **rules(format="date-time"),
    ),
]
_Valid = Annotated[bool | None, QueryParameter(description="admins only; users get valid points")]
_Count = Annotated[int, documented(30, ge=0)]


class DataPointOut(msgspec.Struct):
    time: Annotated[datetime, documented("2024-04-22T15:07:57Z")]
    value: Annotated[float, documented(-0.19938130676746368)]
    valid: bool
    tags: Annotated[tuple[str, ...], documented([], max_items=MAX_TAGS + 1)]


class DataPageOut(msgspec.Struct):
    items: list[DataPointOut]
    next_cursor: Annotated[str | None, documented("MjAyNi0xMS0yMVQyMzowNzo1MC43Njg3NDErMDA6MDB8")]


class RejectionOut(msgspec.Struct):
    reason: Annotated[str, documented("value: must hold exactly 4 bytes, got 3")]
    raw: Annotated[str | None, documented('{"time": 1713798477, "value": [1, 2, 3], "tags": []}')]


class IngestionReportOut(msgspec.Struct):
    fetched: _Count
    stored: _Count
    duplicates: Annotated[int, documented(0, ge=0)]
    rejected_count: Annotated[int, documented(0, ge=0)]
    rejected: Annotated[list[RejectionOut], documented([], max_items=MAX_REPORTED_REJECTIONS)]
    upstream_error: Annotated[str | None, documented(None)]

    @classmethod
    def of(cls, r: IngestionReport) -> "IngestionReportOut":
        rejected = [RejectionOut(x.reason, x.raw) for x in r.rejected]
        return cls(r.fetched, r.stored, r.duplicates, r.rejected_count, rejected, r.upstream_error)


class BucketOut(msgspec.Struct):
    start: Annotated[datetime, documented("2026-11-21T23:00:00Z")]
    count: Annotated[int, documented(21, ge=1)]
    min: Annotated[float, documented(-0.19938130676746368)]
    max: Annotated[float, documented(99.95735931396484)]
    mean: Annotated[float, documented(64.68817336431572)]


class StatsOut(msgspec.Struct):
    bucket: Bucket
    start: Annotated[datetime, documented("2026-10-22T23:07:51.256771Z")]
    end: Annotated[datetime, documented("2026-11-21T23:07:51.256771Z")]
    buckets: Annotated[list[BucketOut], documented(None, max_items=MAX_BUCKETS)]


class DataPointController(Controller):
    path = "/api"
    tags = ["data"]
    security = SECURITY

    @post(
        "/populate",
        summary="Fetch points from the upstream and store them (admin only)",
        description="`count` upstream calls (1-1000). Bad points are rejected with their reason, "
        "duplicates counted; 502 when the upstream fails before answering once.",
        status_code=HTTP_201_CREATED,
        guards=[admin_only],
        responses=problem_responses(401, 403, 422, 502),
    )
    async def populate(
        self,
        populate: FromDishka[PopulateDataPoints],
        count: Annotated[
            int,
            QueryParameter(description="upstream calls", **rules(minimum=1, maximum=MAX_FETCHES)),
        ] = 1,
    ) -> IngestionReportOut:
        return IngestionReportOut.of(await populate(PopulateCommand(count)))

    @get(
        "/data",
        summary="Data points in [start, end), ordered by time then id",
        description="Users see valid points only; admins see all and may filter with `valid`. "
        "Pass `next_cursor` back as `cursor` for the next page.",
        responses=problem_responses(401, 403, 422),
    )
    async def data(
        self,
        principal: NamedDependency[Principal],
        list_points: FromDishka[ListDataPoints],
        start: _Instant = None,
        end: _Instant = None,
        skip: Annotated[
            int, QueryParameter(description="points to skip", **rules(minimum=0, maximum=MAX_SKIP))
        ] = 0,
        limit: Annotated[
            int,
            QueryParameter(
                description="points per page", **rules(minimum=1, maximum=POINT_LIMITS.maximum)
            ),
        ] = POINT_LIMITS.default,
        cursor: Annotated[
            str | None, QueryParameter(max_length=200, description="`next_cursor` of a page")
        ] = None,
        valid: _Valid = None,
    ) -> DataPageOut:
        page = await list_points(
            ListDataPointsQuery(principal.user.is_admin, start, end, skip, limit, cursor, valid)
        )
        return DataPageOut(
            [DataPointOut(p.time, p.value, p.valid, p.tags) for p in page.items], page.next_cursor
        )

    @get(
        "/data/stats",
        summary="Count, min, max and mean of value per minute, hour or day (UTC)",
        responses=problem_responses(401, 403, 422),
    )
    async def stats(
        self,
        principal: NamedDependency[Principal],
        summarize: FromDishka[SummarizeDataPoints],
        start: _Instant = None,
        end: _Instant = None,
        bucket: Annotated[
            str, QueryParameter(description="UTC buckets", max_length=16, **rules(enum=[*Bucket]))
        ] = "hour",
        valid: _Valid = None,
    ) -> StatsOut:
        summary = await summarize(
            SummarizeQuery(principal.user.is_admin, bucket, start, end, valid)
        )
        return StatsOut(
            summary.bucket,
            summary.start,
            summary.end,
            [BucketOut(b.start, b.count, b.min, b.max, b.mean) for b in summary.buckets],
        )
