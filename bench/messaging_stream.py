"""Live delivery latency, from `POST /api/messages` to the recipient's open stream, with
`--streams` streams spread over two API processes (production mode: PostgreSQL, Redis
Pub/Sub); and, with `--idle N`, the memory of one API process holding N idle streams.

    uv run python -m bench.messaging_stream [--streams 1000] [--messages 2000]
    uv run python -m bench.messaging_stream --idle 10000

Check that it runs (not a measurement):
    uv run python -m bench.messaging_stream --streams 4 --messages 8
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import time
from pathlib import Path

import aiohttp
import httpx

from bench._harness import fresh_database, herald, herald_env, serve

PASSWORD = "bench-password-123"


async def _token(client: httpx.AsyncClient, base: str, username: str) -> str:
    body = {"username": username, "password": PASSWORD}
    await client.post(f"{base}/auth/signup", json=body)
    return str((await client.post(f"{base}/auth/login", json=body)).json()["access_token"])


async def _hold(
    client: httpx.AsyncClient, url: str, token: str, ready: asyncio.Event, seen: list[float]
) -> None:
    """Read one stream; each `message` event's latency is now minus the `sent` time in
    its body."""
    headers = {"Authorization": f"Bearer {token}"}
    async with client.stream("GET", url, headers=headers) as response:
        async for line in response.aiter_lines():
            if line == ": live":
                ready.set()
            elif line.startswith("data: "):
                body = json.loads(json.loads(line[6:])["body"])
                seen.append(time.time() - body["sent"])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def _read(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    ready: asyncio.Event,
    seen: list[float],
) -> None:
    """`_hold` with aiohttp: the latency runs read 1,000 streams and post in one process,
    and aiohttp spends about a third of httpx's CPU a request."""
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(url, headers=headers) as response:
        async for raw in response.content:
            line = raw.decode().rstrip("\r\n")
            if line == ": live":
                ready.set()
            elif line.startswith("data: "):
                body = json.loads(json.loads(line[6:])["body"])
                seen.append(time.time() - body["sent"])


async def _latency(bases: list[str], streams: int, messages: int) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=30) as client:
        sender = await _token(client, bases[0], "bench-sender")
        names = [f"bench-{i}" for i in range(streams)]
        tokens = [await _token(client, bases[0], n) for n in names]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        seen: list[float] = []
        readies = [asyncio.Event() for _ in names]
        holders = [
            asyncio.create_task(
                _read(session, f"{bases[i % len(bases)]}/api/stream", t, readies[i], seen)
            )
            for i, t in enumerate(tokens)
        ]
        await asyncio.gather(*(r.wait() for r in readies))
        headers = {"Authorization": f"Bearer {sender}"}
        for i in range(messages):
            body = json.dumps({"sent": time.time()})
            # Posted to the first process: half the streams are held by the other.
            message = {"recipient_user_name": names[i % streams], "body": body}
            async with session.post(
                f"{bases[0]}/api/messages", headers=headers, json=message
            ) as answer:
                assert answer.status == 201, await answer.text()
        async with asyncio.timeout(30):
            while len(seen) < messages:  # noqa: ASYNC110 - the readers append as they go
                await asyncio.sleep(0.05)
        for h in holders:
            h.cancel()
        ms = sorted(1000 * s for s in seen)
        return {
            "received": len(ms),
            "p50_ms": statistics.median(ms),
            "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))],
        }


async def _idle(base: str, port: int, count: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0, read=None)) as client:
        token = await _token(client, base, "bench-idle")
        ready = [asyncio.Event() for _ in range(count)]
        seen: list[float] = []
        holders = [
            asyncio.create_task(_hold(client, f"{base}/api/stream", token, r, seen)) for r in ready
        ]
        await asyncio.gather(*(r.wait() for r in ready))
        rss = _rss_kib(_pid_on_port(port))
        for h in holders:
            h.cancel()
        return {"streams": count, "rss_mib": round(rss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=0)
    args = parser.parse_args()
    url = fresh_database("bench_messaging_stream")
    env = herald_env(
        url,
        6,
        access_token_ttl_seconds="3600",
        messages_send_rate_limit="1000000000",
        # Many users to sign up: cheap hashing, which the bench does not measure.
        argon2_time_cost="1",
        argon2_memory_kib="1024",
        login_rate_limit="1000000",
    )
    herald("migrate", env=env)
    if args.idle:
        with serve(env, 8793, 1) as base:
            print(json.dumps(asyncio.run(_idle(base, 8793, args.idle))))
        return
    with serve(env, 8793, 1) as one, serve(env, 8794, 1) as two:
        print(json.dumps(asyncio.run(_latency([one, two], args.streams, args.messages))))


def _pid_on_port(port: int) -> int:
    """The pid of the process listening on `port` (the API process itself)."""
    out = subprocess.run(
        ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split("pid=")[1].split(",")[0])


if __name__ == "__main__":
    main()
