"""Where a worker's CPU goes: DeliverNotifications run in this process on queued rows
(PostgreSQL `notify_bench`, the timed Twilio stub as a process), CPU per notification,
and with `--profile` the profiler's own time grouped by package.

    uv run python -m bench.notify_worker_profile [--batch 50] [--count 3000] [--profile]
"""

import argparse
import asyncio
import collections
import cProfile
import pstats
import time
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import text
from tests.support.cluster import Cluster

from adapters.sql.database import make_engine
from application.notifications.deliver_notifications import DeliverNotifications
from entrypoints.ioc import make_container


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if "/src/" in filename:
        return "herald:" + filename.split("/src/")[1].split("/")[0]
    if filename.startswith("/"):
        return "stdlib:" + filename.rsplit("/", 1)[1]
    return "builtins"


def print_by_package(stats: pstats.Stats, most: int = 12) -> None:
    """The profiler's own time in each package, the largest first."""
    by_package: collections.Counter[str] = collections.Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_package[_package(filename)] += own
    for package, seconds in by_package.most_common(most):
        print(f"{seconds:8.3f}s  {package}")


async def run(args: argparse.Namespace) -> None:
    cluster = Cluster("notify_bench")
    await cluster.create_database()
    await cluster.seed_user()
    cluster.start_stub()
    await cluster.wait_for_stub()
    container = make_container(cluster.settings())
    try:
        ids = await cluster.insert_due([datetime.now(UTC)] * (args.count + 50))
        engine = make_engine(cluster.db_url)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE notifications SET status = 'queued'"))
        await engine.dispose()

        async def deliver(batch: list[UUID]) -> None:
            async with container() as request:
                await (await request.get(DeliverNotifications))(batch)

        await deliver(ids[:50])  # warm-up
        limit = asyncio.Semaphore(args.concurrency)

        async def limited(batch: list[UUID]) -> None:
            async with limit:
                await deliver(batch)

        profiler = cProfile.Profile()
        wall, cpu = time.perf_counter(), time.process_time()
        if args.profile:
            profiler.enable()
        rest = ids[50:]
        await asyncio.gather(
            *(limited(rest[i : i + args.batch]) for i in range(0, len(rest), args.batch))
        )
        profiler.disable()
        cpu_ms = (time.process_time() - cpu) / len(rest) * 1000
        note = " (with the profiler on)" if args.profile else ""
        print(
            f"batch {args.batch}: {len(rest)} sends in {time.perf_counter() - wall:.2f}s, "
            f"{cpu_ms:.3f} ms CPU per notification{note}"
        )
        if args.profile:
            print_by_package(pstats.Stats(profiler))
    finally:
        await container.close()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
