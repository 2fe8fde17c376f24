"""The dispatcher loop reports its lag each round and the due count about once a second
(here to the recording fake, through the container's override)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from application.ports.notifications import AttemptOutcome, DeliveryMetrics, DispatchMetrics
from domain.notifications import Status
from domain.preferences import Channel
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.support.auth import bearer
from tests.support.databases import migrated_empty
from tests.support.fakes import RecordingMetrics
from tests.support.notifications import client, wait_for_status

__all__ = ["client"]  # a fixture: the app with its delivery engine

Client = AsyncTestClient[Any]


class RecordingMetricsProvider(Provider):
    def __init__(self, metrics: RecordingMetrics) -> None:
        super().__init__()
        self._metrics = metrics

    @provide(scope=Scope.APP)
    def delivery(self) -> DeliveryMetrics:
        return self._metrics

    @provide(scope=Scope.APP)
    def dispatch(self) -> DispatchMetrics:
        return self._metrics


@pytest.fixture
def metrics() -> RecordingMetrics:
    return RecordingMetrics()


@pytest.fixture
async def container(settings: Settings, metrics: RecordingMetrics) -> AsyncIterator[AsyncContainer]:
    container = make_container(settings, RecordingMetricsProvider(metrics))
    await migrated_empty(await container.get(AsyncEngine))
    yield container
    await container.close()


async def test_the_loop_reports_lag_and_due_count(
    client: Client, metrics: RecordingMetrics
) -> None:
    headers = await bearer(
        client, "ann", preferences={"notify_pref": "sms", "phone": "+15105552054"}
    )
    r = await client.post("/notifications", headers=headers, json={"text": "hi"})
    await wait_for_status(client, headers, r.json()["items"][0]["id"], "sent")
    assert metrics.attempts == [(Channel.SMS, AttemptOutcome.ACCEPTED)]
    assert metrics.ended == [(Channel.SMS, Status.SENT)]
    assert any(lag > 0 for lag in metrics.lags)  # the round that handed it over
    assert all(lag >= 0 for lag in metrics.lags)
    for _ in range(40):  # the count runs at the first round, then about once a second
        if len(metrics.due) >= 2:
            break
        await asyncio.sleep(0.1)
    assert len(metrics.due) >= 2
    assert metrics.due[-1] == 0
