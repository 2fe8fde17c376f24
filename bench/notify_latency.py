"""Latency of timed sends: from a notification's due time to the Twilio stub receiving it.

1,000 sends due within one second (spread evenly; `--burst` puts them all on the same
instant), through PostgreSQL, Redis, `herald scheduler`, `herald worker` and the SDK-based
TwilioSmsSender, against the timed Twilio stub, all as separate processes.

    uv run python -m bench.notify_latency [--count 1000] [--workers 1] [--burst] [--rounds 3]
"""

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta

from tests.support.cluster import Cluster, cpu_delta, load_average, parse_body, summary


async def _round(cluster: Cluster, count: int, burst: bool, received_before: int) -> list[float]:
    start = datetime.now(UTC) + timedelta(seconds=2)
    step = 0 if burst else 1.0 / count
    await cluster.insert_due([start + timedelta(seconds=i * step) for i in range(count)])
    await cluster.wait_for_received(received_before + count)
    received = (await cluster.received())[received_before:]
    return [t - parse_body(body)[0] for t, body in received]


async def run(args: argparse.Namespace) -> None:
    env = {"HERALD_NOTIFY_BATCH_WINDOW_SECONDS": str(args.batch_window)}
    cluster = Cluster("notify_bench", workers=args.workers, concurrency=args.concurrency, env=env)
    try:
        await cluster.start()
        total = 0
        # A fresh worker pays for lazy imports, new connections and cold caches once;
        # that round is reported on its own, not mixed into the steady-state figures.
        cold = await _round(cluster, args.count, args.burst, total)
        total += args.count
        print(f"cold round (not counted): {json.dumps(summary(cold))}", flush=True)
        latencies: list[float] = []
        before = cluster.cpu()
        for round_ in range(args.rounds):
            this_round = await _round(cluster, args.count, args.burst, total)
            total += args.count
            print(f"round {round_ + 1}: {json.dumps(summary(this_round))}", flush=True)
            latencies += this_round
        print(
            json.dumps(
                {
                    "scenario": "burst" if args.burst else "spread over 1 s",
                    "workers": args.workers,
                    "concurrency": args.concurrency,
                    "batch_window": args.batch_window,
                    **summary(latencies),
                    "sent_before_due": sum(1 for v in latencies if v < 0),
                    "received": await cluster.received_count(),
                    "expected": total,
                    "load_average": load_average(),
                    "cpu_seconds": cpu_delta(before, cluster.cpu()),
                }
            )
        )
        print(json.dumps(await cluster.status_counts()))
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=50, help="tasks per worker process")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", action="store_true", help="all due at the same instant")
    parser.add_argument(
        "--batch-window", type=float, default=0.03, help="HERALD_NOTIFY_BATCH_WINDOW_SECONDS"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
