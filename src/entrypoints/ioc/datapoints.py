"""Bindings of data points: the store's write and read sides, the upstream source and
the use cases."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from dishka import Provider, Scope, provide

from adapters.http.datapoints import HttpDataSource
from adapters.simulated.datapoints import SimulatedDataSource
from adapters.sql.datapoints import SqlDataPointReader, SqlDataPointRepository
from application.datapoints.list_points import ListDataPoints
from application.datapoints.populate import FetchPolicy, PopulateDataPoints
from application.datapoints.summarize import SummarizeDataPoints
from application.ports.clock import Clock
from application.ports.datapoints import DataPointReader, DataPointRepository, DataSource
from domain.datapoints import ByteOrder, DecodingRules
from entrypoints.settings import DatapointsSettings


class DataPointsProvider(Provider):
    scope = Scope.APP

    points = provide(SqlDataPointRepository, provides=DataPointRepository, scope=Scope.REQUEST)
    populate = provide(PopulateDataPoints, scope=Scope.REQUEST)
    reader = provide(SqlDataPointReader, provides=DataPointReader)
    # Readers hold no request state, so the read use cases are built once.
    list_points = provide(ListDataPoints)
    summarize = provide(SummarizeDataPoints)

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
