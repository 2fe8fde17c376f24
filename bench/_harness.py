"""Shared bench plumbing: a production-mode Herald on PostgreSQL + Redis, and wrk runs."""

from __future__ import annotations

import json
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.support.cluster import command_cpu_seconds, tree_cpu_seconds

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
_SERVING: set[int] = set()  # the API processes `serve` runs now, for `wrk_with_cpu`


def fresh_database(name: str) -> str:
    subprocess.run(["psql", PG_ADMIN, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run(["psql", PG_ADMIN, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def herald_env(database_url: str, redis_db: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    env.update(
        HERALD_DATABASE_URL=database_url,
        HERALD_BROKER_URL=f"redis://127.0.0.1:6379/{redis_db}",
        HERALD_JWT_SECRET=secrets.token_urlsafe(48),
        HERALD_LOG_LEVEL="WARNING",
        HERALD_SMS_PROVIDER="console",
        HERALD_EMAIL_PROVIDER="console",
    )
    env.update({f"HERALD_{k.upper()}": v for k, v in extra.items()})
    return env


def herald(*args: str, env: dict[str, str], stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env=env,
        input=stdin,
        text=True,
        check=True,
    )


@contextmanager
def serve(env: dict[str, str], port: int, workers: int) -> Iterator[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "entrypoints.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    _SERVING.add(process.pid)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Herald did not become ready")
            time.sleep(0.2)
        yield base
    finally:
        _SERVING.discard(process.pid)
        process.terminate()
        process.wait(timeout=30)


def wrk(
    url: str, lua: str, connections: int, seconds: int, timeout_seconds: int = 2
) -> dict[str, float]:
    """Run wrk with a Lua script; returns requests/s, p50/p99 (ms) and non-2xx count.
    A request slower than `timeout_seconds` (wrk's default 2) is counted as a timeout and
    left out of the latencies."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            f"{timeout_seconds}s",
            "--latency",
            "-s",
            script.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    result = {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p90_ms": _ms(re.search(r"90%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
    }
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["non_2xx"] = float(bad.group(1)) if bad else 0.0
    timeouts = re.search(r"timeout (\d+)", out)
    result["timeouts"] = float(timeouts.group(1)) if timeouts else 0.0
    return result


def _cpu_seconds() -> dict[str, dict[int, float]]:
    """CPU so far by pid: the API processes `serve` runs (with their workers), PostgreSQL's
    and Redis's (a process gone meanwhile is lost)."""
    return {
        "api": {pid: tree_cpu_seconds(pid) for pid in _SERVING},
        "postgres": command_cpu_seconds("postgres"),
        "redis": command_cpu_seconds("redis-server"),
    }


def _children_seconds() -> float:
    """CPU of this process's children that have ended: wrk's, once it has run."""
    spent = resource.getrusage(resource.RUSAGE_CHILDREN)
    return spent.ru_utime + spent.ru_stime


def wrk_with_cpu(
    url: str, lua: str, connections: int, seconds: int
) -> dict[str, float | dict[str, float]]:
    """`wrk`, and what each part used meanwhile: per cent of one core, and ms of CPU per
    request (wrk's requests/s times the run's length)."""
    before, wrk_before = _cpu_seconds(), _children_seconds()
    started = time.monotonic()
    result: dict[str, float | dict[str, float]] = dict(wrk(url, lua, connections, seconds))
    elapsed = time.monotonic() - started
    after = _cpu_seconds()
    requests = float(result["requests_per_second"]) * seconds  # type: ignore[arg-type]
    used = {
        part: sum(s - before[part].get(pid, 0.0) for pid, s in now.items())
        for part, now in after.items()
    }
    used["wrk"] = _children_seconds() - wrk_before
    result["cpu_percent"] = {part: round(100 * s / elapsed, 1) for part, s in used.items()}
    result["cpu_ms_per_request"] = {
        part: round(1000 * s / max(requests, 1), 3) for part, s in used.items()
    }
    return result


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def lua_request(method: str, path: str, headers: dict[str, str], body: str | None = None) -> str:
    lines = [f'wrk.method = "{method}"', f'wrk.path = "{path}"']
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    return "\n".join(lines) + "\n"
