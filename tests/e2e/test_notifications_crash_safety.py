"""Crash safety of timed sends, with real processes: PostgreSQL, Redis, `herald worker`,
`herald scheduler` and the Twilio stub.

2,000 sends fall due within a few seconds; mid-delivery the worker and the scheduler are
killed with SIGKILL, then restarted. Every notification must end sent, none lost, and
only sends that were in flight at the kill (rows in `sending`) may reach the stub twice.
"""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.cluster import Cluster, parse_body, wait_for_api
from tests.support.processes import free_port
from tests.support.redis import REDIS_URL, require_redis
from tests.support.stubs.twilio import AUTH_TOKEN
from tests.support.webhook_signing import twilio_signature

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(110)]

COUNT = 2000
SPREAD_SECONDS = 4.0
KILL_AFTER_RECEIVED = 600


async def _wait(cluster: Cluster, predicate_received: int, seconds: float) -> int:
    deadline = asyncio.get_running_loop().time() + seconds
    while (count := await cluster.received_count()) < predicate_received:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.02)
    return count


async def test_kill_worker_and_scheduler_mid_delivery(postgres_url: str) -> None:
    await require_redis(REDIS_URL)
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


async def test_api_wakes_the_scheduler_in_production_mode(postgres_url: str) -> None:
    """POST /notifications on the API process reaches the stub through the scheduler
    (woken over Redis pub/sub) and a worker; the status callback then marks it delivered."""
    await require_redis(REDIS_URL)
    cluster = Cluster("notify_api", env={"HERALD_NOTIFY_POLL_SECONDS": "30"})
    api_port = free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    cluster.extra_env["HERALD_PUBLIC_URL"] = api_url
    try:
        await cluster.start()
        cluster.start_api(api_port)
        async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
            await wait_for_api(client)
            token = (
                await client.post(
                    "/auth/login", json={"username": "bench", "password": "bench-password"}
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            # Due in 3 s: with a 30 s poll, only the wake-up gets it sent in time.
            await asyncio.sleep(0.5)
            sendtime = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
            created = await client.post(
                "/notifications",
                headers=headers,
                json={"text": "via the API", "sendtime": sendtime},
            )
            assert created.status_code == 202, created.text
            nid = created.json()["items"][0]["id"]
            detail: dict[str, object] = {}
            for _ in range(150):
                detail = (await client.get(f"/notifications/{nid}", headers=headers)).json()
                if detail["status"] == "sent":
                    break
                await asyncio.sleep(0.1)
            assert detail["status"] == "sent", detail
            [(_, body)] = await cluster.received()
            assert body == "via the API"
            sid = str(detail["provider_message_id"])
            form = {"MessageSid": sid, "MessageStatus": "delivered"}
            signature = twilio_signature(AUTH_TOKEN, f"{api_url}/webhooks/twilio/status", form)
            callback = await client.post(
                "/webhooks/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
            )
            assert callback.status_code == 204
            final = (await client.get(f"/notifications/{nid}", headers=headers)).json()
            assert final["status"] == "delivered"
    finally:
        cluster.stop()
