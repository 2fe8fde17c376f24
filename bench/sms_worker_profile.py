"""Where the worker's CPU goes on an inbound SMS: HandleSms run in this process, with the
worker's own container, on `--count` stored "YES" replies to pending subscriptions
(PostgreSQL `notify_sms_profile`, Redis), CPU per message, and with `--profile` the
profiler's own time grouped by package.

    uv run python -m bench.sms_worker_profile [--count 300] [--concurrency 50] [--profile]
"""

import argparse
import asyncio
import cProfile
import pstats
import time
from datetime import UTC, datetime

from tests.support.cluster import Cluster

from application.ports.accounts import UserRepository
from application.ports.subscriptions import InboundMessages
from application.subscriptions.handle_sms import HandleSms
from application.subscriptions.subscribe import Subscribe, SubscribeCommand
from bench.notify_worker_profile import print_by_package
from domain.subscriptions import InboundSms
from entrypoints.ioc import make_container

ENV = {
    "HERALD_SUBSCRIPTION_LIMIT_PER_CALLER_HOUR": "1000000",
    "HERALD_SUBSCRIPTION_LIMIT_PER_COUNTRY_HOUR": "1000000",
    "HERALD_SUBSCRIPTION_LIMIT_PER_PHONE_DAY": "1000000",
}


async def run(args: argparse.Namespace) -> None:
    cluster = Cluster("notify_sms_profile", env=ENV)
    await cluster.create_database()
    user_id = await cluster.seed_user()
    container = make_container(cluster.settings())
    try:
        async with container() as request:
            user = await (await request.get(UserRepository)).get(user_id)
        assert user is not None
        phones = [f"+1520{i:07d}" for i in range(args.count + 20)]
        for phone in phones:
            async with container() as request:
                await (await request.get(Subscribe))(SubscribeCommand(user, phone))
        for i, phone in enumerate(phones):
            async with container() as request:
                message = InboundSms(
                    f"SMprof{i:026d}", phone, "+15005550006", "YES", datetime.now(UTC)
                )
                await (await request.get(InboundMessages)).record(message)

        async def handle(i: int) -> None:
            async with container() as request:
                await (await request.get(HandleSms))(f"SMprof{i:026d}")

        for i in range(20):  # warm-up
            await handle(i)
        limit = asyncio.Semaphore(args.concurrency)

        async def limited(i: int) -> None:
            async with limit:
                await handle(i)

        profiler = cProfile.Profile()
        wall, cpu = time.perf_counter(), time.process_time()
        if args.profile:
            profiler.enable()
        await asyncio.gather(*(limited(i) for i in range(20, 20 + args.count)))
        profiler.disable()
        cpu_ms = (time.process_time() - cpu) / args.count * 1000
        note = " (with the profiler on)" if args.profile else ""
        print(
            f"{args.count} replies in {time.perf_counter() - wall:.2f}s, "
            f"{cpu_ms:.3f} ms CPU per reply{note}"
        )
        if args.profile:
            stats = pstats.Stats(profiler)
            print_by_package(stats)
            stats.dump_stats(args.dump)
    finally:
        await container.close()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", default="/tmp/sms_worker.prof")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
