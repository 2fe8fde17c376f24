"""POST /api/populate?count=100 against an upstream that answers one point per request:
points per second for each HERALD_DATA_UPSTREAM_CONCURRENCY given, against a
production-mode Herald (PostgreSQL + Redis, one API process per setting, all started at
once and called in turn, so a noisy spell hits them alike).

    uv run python -m bench.populate_upstream [--concurrency 1 8] [--delay-ms 0] \\
        [--calls 15] [--before-src DIR]

The upstream is the test stub (tests/support/upstream.py) on 127.0.0.1, on a thread of
this process, answering each request after --delay-ms with a new point. `--before-src
DIR` adds one more API process running the code in DIR (an older checkout's `src`).
"""

import argparse
import os
import statistics
import struct
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import msgspec
from tests.support.upstream import Reply, threaded_stub_upstream

from bench._harness import fresh_database, herald, herald_env, serve

PORT = 8780
PASSWORD = "bench-password-123"


def replies(how_many: int, delay: float) -> list[Reply]:
    """Distinct valid points (so none is a duplicate), one per reply."""
    base = time.time() - 600
    return [
        Reply(
            msgspec.json.encode(
                {"time": base + k * 1e-3, "value": list(struct.pack("<f", k)), "tags": []}
            ),
            delay=delay,
        )
        for k in range(how_many)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--count", type=int, default=100, help="upstream calls per populate")
    parser.add_argument("--calls", type=int, default=15, help="timed populates per process")
    parser.add_argument("--before-src", type=Path)
    args = parser.parse_args()

    url = fresh_database("herald_bench_populate")
    redis_db = int(os.environ.get("BENCH_REDIS_DB", "1"))
    variants: list[tuple[str, dict[str, str]]] = []
    with threaded_stub_upstream() as stub, ExitStack() as stack:
        common = {"data_source_url": stub.url, "data_ingest_enabled": "false"}
        first = herald_env(url, redis_db, **common)
        herald("migrate", env=first)
        herald("create-admin", "--username", "bench-admin", env=first, stdin=PASSWORD + "\n")
        for c in args.concurrency:
            variants.append(
                (
                    f"concurrency {c}",
                    herald_env(url, redis_db, **common, data_upstream_concurrency=str(c)),
                )
            )
        if args.before_src:
            env = herald_env(url, redis_db, **common)
            env["PYTHONPATH"] = str(args.before_src.resolve())
            variants.append((f"code in {args.before_src}", env))
        per_process = args.count * (args.calls + 2)
        stub.script(*replies(per_process * len(variants) + 1, args.delay_ms / 1000))

        clients = []
        for i, (label, env) in enumerate(variants):
            base = stack.enter_context(serve(env, PORT + i, workers=1))
            client = stack.enter_context(httpx.Client(base_url=base, timeout=120))
            token = client.post(
                "/auth/login", json={"username": "bench-admin", "password": PASSWORD}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            clients.append((label, client))
        times: dict[str, list[float]] = {label: [] for label, _ in clients}
        for call in range(args.calls + 2):  # the first two warm up
            for label, client in clients:
                started = time.perf_counter()
                answer = client.post(f"/api/populate?count={args.count}")
                elapsed = time.perf_counter() - started
                report = answer.json()
                if answer.status_code != 201 or report["stored"] != args.count:
                    sys.exit(f"{label}: {answer.status_code} {report}")
                if call >= 2:
                    times[label].append(elapsed)

    print(
        f"\nPOST /api/populate?count={args.count}, one point per upstream request, upstream "
        f"delay {args.delay_ms:g} ms, {args.calls} calls per process, load "
        f"{os.getloadavg()[0]:.1f}\n"
    )
    print("| API process | median call | points/s (median) | points/s (range) |\n|---|---|---|---|")
    for label, runs in times.items():
        rates = sorted(args.count / t for t in runs)
        print(
            f"| {label} | {statistics.median(runs) * 1000:.0f} ms | "
            f"{statistics.median(rates):,.0f} | {rates[0]:,.0f}-{rates[-1]:,.0f} |"
        )


if __name__ == "__main__":
    main()
