"""The metrics servers of `herald worker` and `herald scheduler` (HERALD_METRICS_PORT), with
real processes, PostgreSQL, Redis and the Twilio stub: each exposes the metrics of its own
work, behind the token."""

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from tests.support.cluster import Cluster
from tests.support.metrics import Samples, names, parse_samples
from tests.support.processes import free_port
from tests.support.redis import REDIS_URL, require_redis

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(110)]

TOKEN = "e2e-metrics-token-0123456789"
COUNT = 20


async def scrape(port: int) -> Samples:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert response.status_code == 200
    return parse_samples(response.text)


async def test_worker_and_scheduler_serve_their_own_metrics(postgres_url: str) -> None:
    await require_redis(REDIS_URL)
    cluster = Cluster("notify_metrics", env={"HERALD_METRICS_TOKEN": TOKEN})
    worker_port, scheduler_port = free_port(), free_port()
    try:
        await cluster.create_database()
        await cluster.seed_user()
        cluster.start_stub()
        cluster.extra_env["HERALD_METRICS_PORT"] = str(worker_port)  # read at each spawn
        cluster.start_workers()
        cluster.extra_env["HERALD_METRICS_PORT"] = str(scheduler_port)
        cluster.start_scheduler()
        await cluster.wait_for_stub()
        await cluster.wait_until_ready()
        await cluster.insert_due([datetime.now(UTC)] * COUNT)
        for _ in range(300):
            if await cluster.status_counts() == {"sent": COUNT}:
                break
            await asyncio.sleep(0.1)
        assert await cluster.status_counts() == {"sent": COUNT}

        worker = await scrape(worker_port)
        sms = frozenset({("channel", "sms"), ("outcome", "accepted")})
        assert worker[("herald_delivery_attempts_total", sms)] == COUNT
        sent = frozenset({("channel", "sms"), ("status", "sent")})
        assert worker[("herald_notifications_finished_total", sent)] == COUNT
        lateness = ("herald_delivery_lateness_seconds_count", frozenset({("channel", "sms")}))
        assert worker[lateness] == COUNT
        assert "herald_notifications_due" not in names(worker)  # not the worker's work

        scheduler = await scrape(scheduler_port)
        assert {"herald_notifications_due", "herald_dispatch_lag_seconds"} <= names(scheduler)
        assert "herald_delivery_attempts_total" not in names(scheduler)

        async with httpx.AsyncClient() as client:
            refused = await client.get(f"http://127.0.0.1:{worker_port}/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
    finally:
        cluster.stop()
