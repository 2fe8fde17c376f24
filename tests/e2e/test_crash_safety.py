"""Crash safety of timed sends, with real processes: PostgreSQL, Redis, `herald worker`,
`herald scheduler` and the Twilio stub.

2,000 sends fall due within a few seconds; mid-delivery the worker and the scheduler are
killed with SIGKILL, then restarted. Every notification must end sent, none lost, and
only sends that were in flight at the kill (rows in `sending`) may reach the stub twice.
"""

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from tests.support.cluster import REDIS_URL, Cluster, parse_body

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(110)]

COUNT = 2000
SPREAD_SECONDS = 4.0
KILL_AFTER_RECEIVED = 600


async def _redis_or_skip() -> None:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} unreachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable: {exc}")
    finally:
        await client.aclose()


async def _wait(cluster: Cluster, predicate_received: int, seconds: float) -> int:
    deadline = asyncio.get_running_loop().time() + seconds
    while (count := await cluster.received_count()) < predicate_received:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.02)
    return count


async def test_kill_worker_and_scheduler_mid_delivery(postgres_url: str) -> None:
    await _redis_or_skip()
    cluster = Cluster(
        "notify_crash",
        concurrency=20,
        env={
            # Short leases so the recovery of killed attempts fits in the test.
            "HERALD_PROVIDER_TIMEOUT_SECONDS": "1.5",
            "HERALD_NOTIFY_LEASE_SECONDS": "3",
            "HERALD_NOTIFY_MESSAGE_BATCH": "20",
        },
    )
    try:
        await cluster.start()
        start = datetime.now(UTC) + timedelta(seconds=1)
        due = [start + timedelta(seconds=SPREAD_SECONDS * i / COUNT) for i in range(COUNT)]
        ids = {str(i) for i in await cluster.insert_due(due)}

        received_at_kill = await _wait(cluster, KILL_AFTER_RECEIVED, 30)
        cluster.kill(cluster.workers[0])
        cluster.kill(cluster.scheduler)
        at_kill = await cluster.status_counts()
        in_flight = at_kill.get("sending", 0)
        assert received_at_kill < COUNT, "the kill came after delivery ended; nothing was tested"

        cluster.start_workers()
        cluster.start_scheduler()
        final: dict[str, int] = {}
        for _ in range(600):
            final = await cluster.status_counts()
            if final.get("sent", 0) == COUNT:
                break
            await asyncio.sleep(0.1)

        received = Counter(parse_body(body)[1] for _, body in await cluster.received())
        lost = ids - set(received)
        duplicates = sum(n - 1 for n in received.values())
        print(
            f"\ncrash test: {COUNT} due over {SPREAD_SECONDS:.0f}s; killed worker and scheduler "
            f"after {received_at_kill} reached the stub; statuses at the kill {at_kill}; "
            f"in flight (sending) at the kill: {in_flight}; final statuses {final}; "
            f"lost: {len(lost)}; sent twice: {duplicates}"
        )
        assert final == {"sent": COUNT}
        assert not lost
        assert set(received) == ids
        assert duplicates <= in_flight
    finally:
        cluster.stop()
