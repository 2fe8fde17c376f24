"""Staff notification latency of new tickets (issue 16): from Landbot's intake
(`POST /api/leads` with a message, which opens a ticket on `support`) to the staff's
SMS ("New normal support ticket #N: ...") reaching the Twilio stub, for `--count`
tickets at once. PostgreSQL, Redis, `herald serve`, `herald worker`, `herald scheduler`
and the timed Twilio stub, each its own process.

    uv run python -m bench.ticket_notify_latency [--count 100] [--workers 1] [--rounds 3]
        [--api-processes 1]

One agent (the seeded user "bench", reached by SMS) is subscribed to the staff topic
`tickets.support`. Each round posts `--count` leads of new customers, each with a
message, at the same instant, and times each ticket's SMS to the agent from that
instant (and, beside it, when each intake was answered). A lead the intake refuses (a
503 when every database connection stays busy) fails the run. A cold round is not
counted. The target: p99 under 1 s for 100 tickets at once.
"""

import argparse
import asyncio
import itertools
import json
import re
import secrets
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

STAFF_TOPIC = "tickets.support"
# TicketOpened.text, for a lead's ticket: normal priority, on `support`.
OPENED = re.compile(r"New normal support ticket #\d+: (Bench order \d+ has not arrived)")
_customers = itertools.count(1)


async def _round(
    cluster: Cluster, api: str, token: str, count: int
) -> tuple[list[float], list[float]]:
    """The latency of each ticket's staff SMS, and of each intake's answer, from the
    instant all the leads were posted."""
    leads = []
    for _ in range(count):
        n = next(_customers)
        leads.append(
            {
                "customer_id": 900_000_000 + n,
                "name": f"Customer {n}",
                "email": f"customer{n}@example.com",
                "phone": f"+1510{n:07d}",
                "topic": "support",
                "message": f"Bench order {n} has not arrived\nIt was due last week.",
            }
        )
    subjects = {str(lead["message"]).splitlines()[0] for lead in leads}
    headers = {"Authorization": f"Token {token}"}
    # aiohttp for the posts: it spends a third of httpx's CPU a request, and this load
    # generator shares the two cores with what it measures.
    connector = aiohttp.TCPConnector(limit=count)
    async with (
        aiohttp.ClientSession(api, connector=connector) as session,
        httpx.AsyncClient(timeout=30) as client,
    ):
        await client.delete(f"{cluster.stub_url}/_bench/received")
        answered: list[float] = []

        async def post(lead: dict[str, object]) -> tuple[int, str]:
            async with session.post("/api/leads", json=lead, headers=headers) as answer:
                body = await answer.text()
            answered.append(time.time() - start)
            return answer.status, body

        start = time.time()
        answers = await asyncio.gather(*(post(lead) for lead in leads))
        refused = [f"{status} {body}" for status, body in answers if status != 201]
        assert not refused, f"{len(refused)} of {count} leads refused: {refused[:3]}"
        assert all(json.loads(body)["ticket_id"] for _, body in answers), answers[0][1]
        deadline = time.monotonic() + 60
        arrived: dict[str, float] = {}
        seen = 0
        while time.monotonic() < deadline:
            new = await cluster.received(seen, client)  # each message read once
            seen += len(new)
            for t, body in new:
                if (match := OPENED.search(body)) and match[1] in subjects:
                    arrived.setdefault(match[1], t)
            if len(arrived) >= count:
                return [t - start for t in arrived.values()], answered
            await asyncio.sleep(0.05)
    raise RuntimeError(
        f"only {len(arrived)} of {count} tickets' staff SMS reached the stub; see {cluster.log_dir}"
    )


def _line(latencies: list[float], intake: list[float]) -> str:
    return json.dumps({**summary(latencies), "intake_answered": summary(intake)})


def _cpu(cluster: Cluster) -> dict[str, Any]:
    """`Cluster.cpu()`, the API processes' and this load generator's (it shares the
    cores: its posts and its reading of the stub count against the latency too)."""
    assert cluster.api is not None
    return cluster.cpu() | {
        "api": tree_cpu_seconds(cluster.api.pid),
        "load_generator": time.process_time(),
    }


async def run(args: argparse.Namespace) -> None:
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    token = secrets.token_urlsafe(32)
    env = {
        "HERALD_PUBLIC_URL": public_url,
        "HERALD_LANDBOT_WEBHOOK_TOKEN": token,
        # The leads' welcome emails out of the way (email is off in the cluster anyway).
        "HERALD_LEAD_WELCOME_DELAY_SECONDS": "604800",
    }
    cluster = Cluster("notify_tickets_bench", workers=args.workers, env=env)
    try:
        await cluster.start()
        cluster.start_api(port, args.api_processes)
        async with httpx.AsyncClient(base_url=public_url, timeout=60) as client:
            await wait_for_api(client)
            await cluster.agent_on_topic(client, STAFF_TOPIC)
        cold, cold_intake = await _round(cluster, public_url, token, args.count)
        print(f"cold round (not counted): {_line(cold, cold_intake)}", flush=True)
        latencies: list[float] = []
        intake: list[float] = []
        before = _cpu(cluster)
        for number in range(args.rounds):
            this_round, this_intake = await _round(cluster, public_url, token, args.count)
            print(f"round {number + 1}: {_line(this_round, this_intake)}", flush=True)
            latencies += this_round
            intake += this_intake
        print(
            json.dumps(
                {
                    "tickets_at_once": args.count,
                    "workers": args.workers,
                    "api_processes": args.api_processes,
                    **summary(latencies),
                    "intake_answered": summary(intake),
                    "load_average": load_average(),
                    "cpu_seconds": cpu_delta(before, _cpu(cluster)),
                }
            )
        )
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--api-processes", type=int, default=1, help="2 as docker-compose.yml runs the API"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
