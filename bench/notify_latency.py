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

from tests.support.cluster import Cluster, parse_body, summary


async def run(args: argparse.Namespace) -> None:
    cluster = Cluster("notify_bench", workers=args.workers, concurrency=args.concurrency)
    try:
        await cluster.start()
        total = 0
        latencies: list[float] = []
        for round_ in range(args.rounds):
            start = datetime.now(UTC) + timedelta(seconds=2)
            step = 0 if args.burst else 1.0 / args.count
            due = [start + timedelta(seconds=i * step) for i in range(args.count)]
            await cluster.insert_due(due)
            total += args.count
            await cluster.wait_for_received(total)
            received = await cluster.received()
            this_round = [
                t - parse_body(body)[0] for t, body in received[total - args.count :]
            ]
            print(f"round {round_ + 1}: {json.dumps(summary(this_round))}", flush=True)
            latencies += this_round
        result = summary(latencies)
        early = sum(1 for v in latencies if v < 0)
        print(
            json.dumps(
                {
                    "scenario": "burst" if args.burst else "spread over 1 s",
                    "workers": args.workers,
                    **result,
                    "sent_before_due": early,
                    "received": await cluster.received_count(),
                    "expected": total,
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
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
