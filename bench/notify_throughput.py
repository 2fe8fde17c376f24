"""Sustained delivery rate: N notifications due at once, delivered end to end (PostgreSQL,
Redis, `herald scheduler`, `herald worker` processes, TwilioSmsSender) to the timed Twilio
stub, which answers at once. The rate is N / (last stub receipt - due time).

    uv run python -m bench.notify_throughput [--count 10000] [--workers 1]
"""

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta

from tests.support.cluster import Cluster, cpu_delta, load_average


async def run(args: argparse.Namespace) -> None:
    cluster = Cluster("notify_bench", workers=args.workers, concurrency=args.concurrency)
    try:
        await cluster.start()
        # Warm up: a fresh worker pays for lazy imports and new connections once.
        await cluster.insert_due([datetime.now(UTC)] * args.warmup)
        await cluster.wait_for_received(args.warmup)
        load_before = load_average()
        before = cluster.cpu()
        due = datetime.now(UTC) + timedelta(seconds=3)
        await cluster.insert_due([due] * args.count)
        await cluster.wait_for_received(args.warmup + args.count)
        received = (await cluster.received())[args.warmup :]
        last = max(t for t, _ in received)
        first = min(t for t, _ in received)
        elapsed = last - due.timestamp()
        cpu = cpu_delta(before, cluster.cpu())
        await asyncio.sleep(1.0)  # let the last outcomes be recorded
        print(
            json.dumps(
                {
                    "count": args.count,
                    "workers": args.workers,
                    "concurrency": args.concurrency,
                    "seconds_due_to_last": round(elapsed, 2),
                    "per_second": round(args.count / elapsed),
                    "first_after_due_ms": round((first - due.timestamp()) * 1000, 1),
                    "cpu_seconds": cpu,
                    "statuses": await cluster.status_counts(),
                    "load_average_before": load_before,
                }
            )
        )
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=50, help="tasks per worker process")
    parser.add_argument("--warmup", type=int, default=500, help="sends before the measurement")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
