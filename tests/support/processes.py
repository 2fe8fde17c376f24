"""Running `herald` as real processes for end-to-end tests."""

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def herald_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    env.update({f"HERALD_{k.upper()}": v for k, v in values.items()})
    return env


def production_env(database_url: str, broker_url: str, **values: str) -> dict[str, str]:
    """Production mode: a broker, a strong secret, and the providers chosen (console SMS,
    no email) unless `values` say otherwise."""
    return herald_env(
        **{
            "database_url": database_url,
            "broker_url": broker_url,
            "jwt_secret": secrets.token_urlsafe(48),
            "sms_provider": "console",
            "email_provider": "none",
            **values,
        }
    )


def herald(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def running(
    *args: str, env: dict[str, str], cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", *args],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_http(url: str, timeout: float = 60.0) -> httpx.Response:
    # Long enough for a cluster's processes to start on a machine the other xdist worker
    # keeps busy; it answers as soon as they are up.
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


T = TypeVar("T")


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = 30.0) -> T:
    """Poll `probe` until `done` accepts its value; fail with the last value on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"gave up waiting; last saw {value!r}"
        time.sleep(0.1)
