"""/api/populate, /api/data and /api/data/stats: ingestion and reading of data points."""

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from application.auth.authenticate import Principal
from application.datapoints.list_points import ListDataPoints, ListDataPointsQuery
from application.datapoints.populate import IngestionReport, PopulateCommand, PopulateDataPoints
from application.datapoints.summarize import SummarizeDataPoints, SummarizeQuery
from domain.datapoints import DEFAULT_PAGE
from entrypoints.http.schemas import problem_responses
from entrypoints.http.security import SECURITY, current_admin, current_principal

_Instant = Annotated[
    str | None,
    QueryParameter(description="ISO 8601 with an offset, e.g. 2024-04-22T15:07:57Z", max_length=64),
]


class DataPointOut(msgspec.Struct):
    time: datetime
    value: float
    valid: bool
    tags: tuple[str, ...]


class DataPageOut(msgspec.Struct):
    items: list[DataPointOut]
    next_cursor: str | None


class RejectionOut(msgspec.Struct):
    reason: str
    raw: str | None


class IngestionReportOut(msgspec.Struct):
    fetched: int
    stored: int
    duplicates: int
    rejected_count: int
    rejected: list[RejectionOut]
    upstream_error: str | None

    @classmethod
    def of(cls, r: IngestionReport) -> "IngestionReportOut":
        rejected = [RejectionOut(x.reason, x.raw) for x in r.rejected]
        return cls(r.fetched, r.stored, r.duplicates, r.rejected_count, rejected, r.upstream_error)


class BucketOut(msgspec.Struct):
    start: datetime
    count: int
    min: float
    max: float
    mean: float


class StatsOut(msgspec.Struct):
    bucket: str
    start: datetime
    end: datetime
    buckets: list[BucketOut]


_AUTH = {"principal": Provide(current_principal)}
_ADMIN = {"principal": Provide(current_principal), "admin": Provide(current_admin)}


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
        dependencies=_ADMIN,
        responses=problem_responses(401, 403, 422, 502),
    )
    async def populate(
        self,
        admin: NamedDependency[Principal],
        populate: FromDishka[PopulateDataPoints],
        count: Annotated[int, QueryParameter(description="upstream calls, 1-1000")] = 1,
    ) -> IngestionReportOut:
        return IngestionReportOut.of(await populate(PopulateCommand(count)))

    @get(
        "/data",
        summary="Data points in [start, end), ordered by time then id",
        description="Users see valid points only; admins see all and may filter with `valid`. "
        "Pass `next_cursor` back as `cursor` for the next page.",
        dependencies=_AUTH,
        responses=problem_responses(401, 403, 422),
    )
    async def data(
        self,
        principal: NamedDependency[Principal],
        list_points: FromDishka[ListDataPoints],
        start: _Instant = None,
        end: _Instant = None,
        skip: Annotated[int, QueryParameter(description="0-1,000,000")] = 0,
        limit: Annotated[int, QueryParameter(description="1-1000")] = DEFAULT_PAGE,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        valid: Annotated[bool | None, QueryParameter(description="admins only")] = None,
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
        dependencies=_AUTH,
        responses=problem_responses(401, 403, 422),
    )
    async def stats(
        self,
        principal: NamedDependency[Principal],
        summarize: FromDishka[SummarizeDataPoints],
        start: _Instant = None,
        end: _Instant = None,
        bucket: Annotated[
            str, QueryParameter(description="minute, hour or day", max_length=16)
        ] = "hour",
        valid: Annotated[bool | None, QueryParameter(description="admins only")] = None,
    ) -> StatsOut:
        summary = await summarize(
            SummarizeQuery(principal.user.is_admin, bucket, start, end, valid)
        )
        return StatsOut(
            summary.bucket.value,
            summary.start,
            summary.end,
            [BucketOut(b.start, b.count, b.min, b.max, b.mean) for b in summary.buckets],
        )
