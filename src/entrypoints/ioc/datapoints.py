"""Bindings of data points: the store's write and read sides, the upstream source and
the use cases."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.http.datapoints import HttpDataSource
from adapters.simulated.datapoints import SimulatedDataSource
from adapters.sql.datapoints import (
    PostgresDataPointReader,
    PostgresDataPointRepository,
    SqlDataPointReader,
    SqlDataPointRepository,
)
from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from application.datapoints.list_points import ListDataPoints
from application.datapoints.populate import FetchPolicy, PopulateDataPoints
from application.datapoints.summarize import SummarizeDataPoints
from application.ports.clock import Clock
from application.ports.datapoints import DataPointReader, DataPointRepository, DataSource
from domain.datapoints import ByteOrder, DecodingRules
from entrypoints.settings import DatapointsSettings


class DataPointsProvider(Provider):
    scope = Scope.APP

    populate = provide(PopulateDataPoints, scope=Scope.REQUEST)
    # Readers hold no request state, so the read use cases are built once.
    list_points = provide(ListDataPoints)
    summarize = provide(SummarizeDataPoints)

    @provide(scope=Scope.REQUEST)
    def points(self, session: AsyncSession, dialect: SqlDialect) -> DataPointRepository:
        if dialect.is_postgresql:
            return PostgresDataPointRepository(session)
        return SqlDataPointRepository(session)

    @provide
    def reader(self, engine: AsyncEngine, reads: DirectPool | None) -> DataPointReader:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        if reads is not None:
            return PostgresDataPointReader(engine, reads)
        return SqlDataPointReader(engine)

    @provide
    def rules(self, datapoints: DatapointsSettings) -> DecodingRules:
        return DecodingRules(
            byte_order=ByteOrder(datapoints.byte_order),
            max_age=timedelta(seconds=datapoints.max_age_seconds),
        )

    @provide
    def fetch_policy(self, datapoints: DatapointsSettings) -> FetchPolicy:
        return FetchPolicy(concurrency=datapoints.upstream_concurrency)

    @provide
    async def upstream_client(
        self, datapoints: DatapointsSettings
    ) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(datapoints.upstream_timeout_seconds), follow_redirects=False
        ) as client:
            yield client

    @provide
    def source(
        self, datapoints: DatapointsSettings, clock: Clock, client: httpx.AsyncClient
    ) -> DataSource:
        if datapoints.source_url:
            return HttpDataSource(
                client, datapoints.source_url, retries=datapoints.upstream_retries
            )
        # One simulated stream per process, so its sequence goes on across requests.
        return SimulatedDataSource(clock, datapoints.simulated_points_per_fetch)
