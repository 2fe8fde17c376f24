"""Reply latency of SMS subscriptions: from the inbound webhook (a signed "YES") to
Herald's reply ("you are subscribed") reaching the Twilio stub, for `--count`
conversations at once, with the local classifier. PostgreSQL, Redis, `herald serve`,
`herald worker`, `herald scheduler` and the timed Twilio stub, each its own process.

    uv run python -m bench.sms_reply_latency [--count 200] [--workers 1] [--rounds 3]
        [--concurrency 50] [--api-processes 1] [--webhook-only]

Each round subscribes `--count` new phones (the confirmations are sent and cleared
first), then posts every reply at the same instant and times each reply's arrival from
that instant (the targets: p50 under 100 ms, p99 under 300 ms), and when each post was
answered. `--webhook-only` runs no worker and posts from phones without a subscription:
how fast the API alone answers a round, which no reply can beat (the message is stored
and queued before the answer).
"""

import argparse
import asyncio
import itertools
import json
import time
from typing import Any

import aiohttp
import httpx
from tests.support.cluster import (
    Cluster,
    cpu_delta,
    load_average,
    summary,
    tree_cpu_seconds,
    wait_for_api,
)
from tests.support.processes import free_port
from tests.support.stubs.twilio import AUTH_TOKEN
from twilio.request_validator import RequestValidator

from application.ports.accounts import UserRepository
from application.subscriptions.subscribe import Subscribe, SubscribeCommand
from entrypoints.ioc import make_container

CONFIRMED = "you are subscribed"
_phones = itertools.count(1)


async def _subscribe(cluster: Cluster, phones: list[str]) -> None:
    container = make_container(cluster.settings())
    try:
        assert cluster.user_id is not None  # seeded by cluster.start()
        async with container() as request:
            user = await (await request.get(UserRepository)).get(cluster.user_id)
        assert user is not None
        for phone in phones:
            async with container() as request:
                await (await request.get(Subscribe))(SubscribeCommand(user, phone))
    finally:
        await container.close()


async def _confirmations_sent(cluster: Cluster, count: int) -> None:
    await cluster.wait_for_received(count)
    async with httpx.AsyncClient() as client:
        await client.delete(f"{cluster.stub_url}/_bench/received")


async def _live(session: aiohttp.ClientSession) -> None:
    async with session.get("/health/live") as r:
        await r.read()


# Every process's CPU while rounds are timed (not while the phones are subscribed).
_timed_cpu: dict[str, float] = {}


async def _round(
    cluster: Cluster, api: str, public_url: str, count: int, *, webhook_only: bool = False
) -> tuple[list[float], list[float]]:
    """Each reply's arrival at the stub and each webhook's answer, from the round's start
    (`webhook_only`: the answers alone, from phones without a subscription)."""
    phones = [f"+1510{next(_phones):07d}" for _ in range(count)]
    if not webhook_only:
        await _subscribe(cluster, phones)
        await _confirmations_sent(cluster, count)
    validator = RequestValidator(AUTH_TOKEN)
    url = f"{public_url}/webhooks/twilio/inbound"
    forms = [
        {
            "MessageSid": f"SM{time.time_ns():020x}{i:012x}",
            "From": phone,
            "To": "+15005550006",
            "Body": "YES",
            "NumMedia": "0",
        }
        for i, phone in enumerate(phones)
    ]
    signed = [(form, validator.compute_signature(url, form)) for form in forms]
    # aiohttp for the posts: it spends a third of httpx's CPU a request, and this load
    # generator shares the two cores with what it measures.
    connector = aiohttp.TCPConnector(limit=count)
    async with (
        aiohttp.ClientSession(api, connector=connector) as session,
        httpx.AsyncClient(timeout=30) as client,
    ):

        async def post(form: dict[str, str], signature: str) -> float:
            headers = {"X-Twilio-Signature": signature}
            async with session.post("/webhooks/twilio/inbound", data=form, headers=headers) as r:
                await r.read()
                assert r.status == 200, r.status
                return time.time() - start

        # Every connection open before the clock starts, as Twilio's would be kept alive:
        # the round times Herald, not this process's TCP handshakes.
        await asyncio.gather(*(_live(session) for _ in range(count)))
        start, cpu_start = time.time(), _cpu(cluster)
        answered = await asyncio.gather(*(post(form, signature) for form, signature in signed))
        if webhook_only:
            _count_cpu(cpu_start, cluster)
            return [], answered
        deadline = time.monotonic() + 60
        replies: list[float] = []
        seen = 0
        while time.monotonic() < deadline:
            new = await cluster.received(seen, client)  # each message read once
            seen += len(new)
            replies += [t for t, body in new if CONFIRMED in body]
            if len(replies) >= count:
                _count_cpu(cpu_start, cluster)
                return [t - start for t in replies], answered
            await asyncio.sleep(0.05)
    raise RuntimeError(f"only {len(replies)} of {count} replies reached the stub")


def _count_cpu(start: dict[str, Any], cluster: Cluster) -> None:
    for name, seconds in cpu_delta(start, _cpu(cluster)).items():
        _timed_cpu[name] = _timed_cpu.get(name, 0.0) + seconds


def _cpu(cluster: Cluster) -> dict[str, Any]:
    """`Cluster.cpu()`, the API's and this load generator's (it shares the cores)."""
    assert cluster.api is not None
    return cluster.cpu() | {
        "api": tree_cpu_seconds(cluster.api.pid),
        "load_generator": time.process_time(),
    }


async def run(args: argparse.Namespace) -> None:
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    env = {
        "HERALD_PUBLIC_URL": public_url,
        "HERALD_SUBSCRIPTION_LIMIT_PER_CALLER_HOUR": "1000000",
        "HERALD_SUBSCRIPTION_LIMIT_PER_COUNTRY_HOUR": "1000000",
        "HERALD_SUBSCRIPTION_LIMIT_PER_PHONE_DAY": "1000000",
        "HERALD_SUBSCRIPTION_UPDATE_OFFSETS": "3600",  # updates out of the way
    }
    workers = 0 if args.webhook_only else args.workers
    cluster = Cluster("notify_sms_bench", workers=workers, concurrency=args.concurrency, env=env)
    try:
        await cluster.start()
        cluster.start_api(port, args.api_processes)
        async with httpx.AsyncClient(base_url=public_url) as client:
            await wait_for_api(client)
        only = args.webhook_only
        replies, answered = await _round(
            cluster, public_url, public_url, args.count, webhook_only=only
        )
        cold = summary(answered if only else replies)
        print(f"cold round (not counted): {json.dumps(cold)}", flush=True)
        latencies: list[float] = []
        webhook: list[float] = []  # when Twilio's posts were answered
        _timed_cpu.clear()
        for number in range(args.rounds):
            replies, answered = await _round(
                cluster, public_url, public_url, args.count, webhook_only=only
            )
            timed = summary(answered if only else replies)
            print(f"round {number + 1}: {json.dumps(timed)}", flush=True)
            latencies += replies
            webhook += answered
        print(
            json.dumps(
                {
                    "conversations_at_once": args.count,
                    "api_processes": args.api_processes,
                    "workers": workers,
                    "concurrency": args.concurrency,
                    **({} if only else summary(latencies)),
                    "webhook_answered": summary(webhook),
                    "load_average": load_average(),
                    "cpu_seconds_timed": {k: round(v, 2) for k, v in _timed_cpu.items()},
                }
            )
        )
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50, help="tasks at once a worker")
    parser.add_argument(
        "--api-processes", type=int, default=1, help="2 as docker-compose.yml runs the API"
    )
    parser.add_argument(
        "--webhook-only",
        action="store_true",
        help="no worker: only how fast the webhook answers the round's posts",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
