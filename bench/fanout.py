"""A topic's fan-out at 100,000 subscribers, with real processes: PostgreSQL, Redis,
`herald serve`, `herald worker` (one or more), `herald scheduler`, the timed Twilio stub
and the SendGrid stub. Half the subscribers are reached by SMS only, half by email only.

- subscribe: the seconds to add the subscribers through the API, calls of 1,000 in turn
  (their recipients written in bulk beforehand);
- expansion alone: a trigger due in an hour, from its answer until the fan-out says it
  is expanded (its row read every 20 ms), and the rows/s that makes; then canceled;
- expansion while delivering: the same for a trigger due now, whose first notifications
  are sent (by the same workers, on the same database) while the rest are being made;
- delivery: from that trigger until its last notification was sent (both channels, the
  database's times), and the rate from the first sent to the last;
- trigger: last, the latency of `POST /topics/{key}/notifications` on that topic,
  `--triggers` times, each fan-out canceled as soon as it answered: half a second apart
  (the worker done with the one before), then back to back (the worker still expanding
  and canceling the one before, on the same two cores and disk), then half a second
  apart with the workers stopped (the API's own cost).

    uv run python -m bench.fanout [--subscribers 100000] [--workers 1] [--template]
"""

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
from tests.support.cluster import Cluster, cpu_delta, load_average, percentile

TOPIC = "bench"
PERSONAL = {
    "sms": {"text": "Hello {{ recipient.external_id }}"},
    "email": {"subject": "Shipped", "text": "Hello {{ recipient.external_id }}"},
}


async def subscribe(api: httpx.AsyncClient, ids: list[str]) -> float:
    start = time.perf_counter()
    for i in range(0, len(ids), 1000):
        r = await api.post(f"/topics/{TOPIC}/subscribers", json={"recipients": ids[i : i + 1000]})
        assert r.status_code == 200, r.text
    return time.perf_counter() - start


async def triggers(
    api: httpx.AsyncClient, body: dict[str, object], n: int, pause: float
) -> dict[str, float]:
    """The latencies of `n` triggers of the topic, each fan-out canceled once answered,
    `pause` seconds apart (0: each while the worker still expands and cancels the one
    before)."""
    latencies = []
    for _ in range(n):
        start = time.perf_counter()
        r = await api.post(f"/topics/{TOPIC}/notifications", json=body)
        latencies.append(time.perf_counter() - start)
        assert r.status_code == 202, r.text
        await api.delete(f"/fanouts/{r.json()['fanout_id']}")
        await asyncio.sleep(pause)
    return {
        "n": len(latencies),
        "pause_s": pause,
        "p50": round(percentile(latencies, 50) * 1000, 1),
        "p99": round(percentile(latencies, 99) * 1000, 1),
        "max": round(max(latencies) * 1000, 1),
    }


async def expansion(
    cluster: Cluster, api: httpx.AsyncClient, body: dict[str, object]
) -> dict[str, object]:
    """Trigger, then wait until the fan-out is expanded: its figures."""
    start = time.perf_counter()
    r = await api.post(f"/topics/{TOPIC}/notifications", json=body)
    answered = time.perf_counter()
    fanout_id = r.json()["fanout_id"]
    for _ in range(30_000):  # at most ten minutes
        if await cluster.fanout_status(fanout_id) != "expanding":
            break
        await asyncio.sleep(0.02)
    seconds = time.perf_counter() - answered
    created = (await api.get(f"/fanouts/{fanout_id}")).json()["created"]
    return {
        "fanout_id": fanout_id,
        "trigger_ms": round((answered - start) * 1000, 1),
        "created": created,
        "seconds": round(seconds, 2),
        "rows_per_second": round(created / seconds),
    }


async def run(args: argparse.Namespace) -> None:
    cluster = Cluster(
        "notify_fanout_bench", workers=args.workers, concurrency=args.concurrency, email=True
    )
    try:
        await cluster.start()
        await cluster.seed_admin()
        ids = await cluster.seed_audience(TOPIC, args.subscribers, subscribe=False, emails=True)
        api = await cluster.admin_api()
        try:
            subscribe_seconds = await subscribe(api, ids)
            await api.put("/templates/personal", json=PERSONAL)
            body = {"title": "Shipped", "text": "Your order shipped"}
            if args.template:
                body = {"template": "personal"}
            # Warm-up: the first trigger pays for connections and lazy imports.
            warm = await api.post(f"/topics/{TOPIC}/notifications", json=body)
            await api.delete(f"/fanouts/{warm.json()['fanout_id']}")
            await asyncio.sleep(2.0)  # let the canceled expansion stop
            later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
            alone = await expansion(cluster, api, {**body, "sendtime": later})
            await api.delete(f"/fanouts/{alone['fanout_id']}")
            await asyncio.sleep(2.0)
            load_before = load_average()
            cpu_before = cluster.cpu()
            started = time.time()
            delivering = await expansion(cluster, api, body)
            sent, first, last = 0, 0.0, 0.0
            for _ in range(6000):  # at most ten minutes
                sent, first, last = await cluster.fanout_sent(str(delivering["fanout_id"]))
                if sent >= args.subscribers:
                    break
                await asyncio.sleep(0.1)
            cpu = cpu_delta(cpu_before, cluster.cpu())
            # Last: the canceled triggers' partial expansions would otherwise still be
            # running, and their rows being canceled, while the expansions are timed.
            spaced = await triggers(api, body, args.triggers, 0.5)
            back_to_back = await triggers(api, body, args.triggers, 0.0)
            # The same with no worker to start on the expansions: what the API alone costs.
            for worker in cluster.workers:
                cluster.kill(worker)
            stopped = await triggers(api, body, args.triggers, 0.5)
        finally:
            await api.aclose()
        print(
            json.dumps(
                {
                    "subscribers": args.subscribers,
                    "workers": args.workers,
                    "template": args.template,
                    "subscribe_seconds": round(subscribe_seconds, 2),
                    "trigger_ms": spaced,
                    "trigger_back_to_back_ms": back_to_back,
                    "trigger_workers_stopped_ms": stopped,
                    "expansion_alone": alone,
                    "expansion_while_delivering": delivering,
                    "sent": sent,
                    "delivery_seconds": round(last - started, 2),
                    "sent_per_second": round(sent / (last - first)),
                    "cpu_seconds": cpu,
                    "load_average_before": load_before,
                }
            )
        )
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=50, help="tasks per worker process")
    parser.add_argument("--triggers", type=int, default=100, help="trigger latency samples")
    parser.add_argument("--template", action="store_true", help="a template read per subscriber")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
