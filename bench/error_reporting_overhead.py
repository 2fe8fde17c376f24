"""What error reporting costs a request: CPU time per in-process `GET /health/live`, with
no DSN and with HERALD_SENTRY_DSN pointing at the local Sentry stub (nothing is reported:
the route succeeds). Each mode runs in a fresh process, alternating, as the SDK cannot be
taken out of a process once in.

    uv run python -m bench.error_reporting_overhead [--runs 5] [--requests 5000]

Process CPU time, not wall time: the 2-core bench machine is shared.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import make_settings, replace_settings
from tests.support.stubs.sentry import SentryStub
from tests.support.stubs.sentry import dsn as stub_dsn
from tests.support.stubs.server import StubServer

from entrypoints.error_reporting import start_error_reporting, watch_event_loop
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.logging import configure_logging

ROOT = Path(__file__).resolve().parents[1]


async def _measure(dsn: str | None, requests: int) -> float:
    configure_logging("INFO", "json", open(os.devnull, "w"))  # noqa: SIM115, ASYNC230
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace_settings(
            make_settings(f"sqlite+aiosqlite:///{tmp}/h.db"), sentry_dsn=dsn
        )
        start_error_reporting(
            settings.error_reporting
        )  # before the app: the integration patches Litestar
        watch_event_loop()
        container = make_container(settings)
        app = create_app(settings, container)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/health/live",
            "raw_path": b"/health/live",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"bench")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: object) -> None:
            return None

        async def one() -> None:
            await app({**scope, "state": {}}, receive, send)  # type: ignore[arg-type]

        for _ in range(500):  # warm up
            await asyncio.create_task(one())
        started = time.process_time()
        for _ in range(requests):  # a task each, as uvicorn runs a request
            await asyncio.create_task(one())
        per_request = (time.process_time() - started) / requests
        await container.close()
        return per_request


def _child(mode: str, requests: int) -> None:
    dsn = None
    if mode == "dsn":
        dsn = stub_dsn(StubServer(SentryStub()).start().url)
    print(asyncio.run(_measure(dsn, requests)) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--child", choices=["none", "dsn"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.requests)
        return
    results: dict[str, list[float]] = {"none": [], "dsn": []}
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    child = [sys.executable, "-m", "bench.error_reporting_overhead", "--requests"]
    for _ in range(args.runs):
        for mode, seen in results.items():
            out = subprocess.run(
                [*child, str(args.requests), "--child", mode],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            seen.append(float(out.stdout.strip().splitlines()[-1]))
    for mode, seen in results.items():
        label = "no DSN" if mode == "none" else "with a DSN"
        print(
            f"{label}: {min(seen):.0f} us CPU per request at best, median "
            f"{statistics.median(seen):.0f} ({args.runs} runs x {args.requests:,} requests)"
        )


if __name__ == "__main__":
    main()
