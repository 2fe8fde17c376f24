"""Crash safety of a topic's fan-out, with real processes: PostgreSQL, Redis, `herald
serve`, `herald worker`, `herald scheduler` and the Twilio stub.

A trigger to 20,000 subscribers; in the middle of the expansion the worker and the
scheduler are killed with SIGKILL, then restarted. At the end every subscriber has
exactly one notification (SMS, their only channel), all sent, and the stub received
each at most once more than the number in `sending` at the kill.
"""

import asyncio
from collections import Counter

import pytest

from tests.support.cluster import Cluster
from tests.support.redis import REDIS_URL, require_redis

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(170)]

COUNT = 20_000
# Personal text, so the stub tells the subscribers apart (and the expansion renders each).
TEMPLATE = {"sms": {"text": "Hello {{ recipient.external_id }}"}}


async def test_kill_worker_and_scheduler_mid_expansion(postgres_url: str) -> None:
    await require_redis(REDIS_URL)
    cluster = Cluster(
        "notify_fanout_crash",
        concurrency=20,
        env={
            # Small batches stretch the expansion over the kill; a short lease fits its
            # recovery in the test. A provider timeout that a busy machine never reaches:
            # a send timed out after the stub got it is sent again, a duplicate that has
            # nothing to do with the kill.
            "HERALD_FANOUT_BATCH": "100",
            "HERALD_FANOUT_LEASE_SECONDS": "2",
            "HERALD_PROVIDER_TIMEOUT_SECONDS": "5",
            "HERALD_NOTIFY_LEASE_SECONDS": "10",
        },
    )
    try:
        await cluster.start()
        await cluster.seed_admin()
        await cluster.seed_audience("crash", COUNT)
        api = await cluster.admin_api()
        try:
            assert (await api.put("/templates/hello", json=TEMPLATE)).status_code == 201
            trigger = await api.post("/topics/crash/notifications", json={"template": "hello"})
            assert trigger.status_code == 202, trigger.text
            fanout_id = trigger.json()["fanout_id"]
            assert trigger.json()["subscribers"] == COUNT

            made_at_kill = 0
            for _ in range(2000):
                made_at_kill = sum((await cluster.fanout_rows(fanout_id)).values()) // 2
                if made_at_kill >= 2_000:
                    break
                await asyncio.sleep(0.005)
            cluster.kill(cluster.workers[0])
            cluster.kill(cluster.scheduler)
            at_kill = await cluster.fanout_rows(fanout_id)
            in_flight = at_kill.get("sending", 0)
            assert at_kill["pairs"] < COUNT, "the kill came after the expansion; nothing was tested"

            cluster.start_workers()
            cluster.start_scheduler()
            final: dict[str, int] = {}
            for _ in range(1200):
                final = await cluster.fanout_rows(fanout_id)
                if final.get("sent", 0) >= COUNT:
                    break
                await asyncio.sleep(0.1)
            report = (await api.get(f"/fanouts/{fanout_id}")).json()
        finally:
            await api.aclose()

        received = Counter(body for _, body in await cluster.received())
        wanted = {f"Hello crash-{i:06}" for i in range(1, COUNT + 1)}
        duplicates = sum(n - 1 for n in received.values())
        print(
            f"\nfan-out crash test: {COUNT} subscribers; killed worker and scheduler with "
            f"{at_kill['pairs']} notifications made; at the kill {at_kill}; in flight "
            f"(sending) {in_flight}; final {final}; report {report['status']} "
            f"created {report['created']}; sent twice: {duplicates}"
        )
        assert final == {"sent": COUNT, "pairs": COUNT}
        assert (report["status"], report["created"], report["by_status"]) == (
            "expanded",
            COUNT,
            {"sent": COUNT},
        )
        assert set(received) == wanted
        assert duplicates <= in_flight
    finally:
        cluster.stop()
