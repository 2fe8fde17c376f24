"""`herald worker` and `herald scheduler` keep their heartbeat fresh while their event loop
runs, and the compose healthcheck sees it go stale when the process stops making progress."""

import asyncio
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from tests.conftest import TEST_SECRET
from tests.support.processes import herald, herald_env, running, wait_for
from tests.support.redis import REDIS_URL, require_redis

pytestmark = pytest.mark.e2e


def _healthcheck(beat: Path, max_age: float) -> subprocess.CompletedProcess[str]:
    """What docker-compose.yml runs in the worker and scheduler containers."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "entrypoints.heartbeat",
            "--heartbeat",
            str(beat),
            "--max-age",
            str(max_age),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def queue() -> Iterator[str]:
    """A task queue of its own on the test Redis, deleted afterwards."""
    asyncio.run(require_redis(REDIS_URL))
    name = f"herald-heartbeat-{uuid.uuid4().hex[:8]}"
    yield name
    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(name)


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_the_process_keeps_its_heartbeat_fresh(command: str, queue: str, tmp_path: Path) -> None:
    beat = tmp_path / "heartbeat"
    env = herald_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/h.db",
        broker_url=REDIS_URL,
        jwt_secret=TEST_SECRET,
        task_queue=queue,
        heartbeat_file=str(beat),
        heartbeat_interval_seconds="0.2",
        sms_provider="console",
        email_provider="console",
    )
    migrated = herald("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    with running(command, env=env, cwd=tmp_path, log=tmp_path / "log") as process:
        first = wait_for(lambda: beat.exists() and beat.stat().st_mtime, bool)
        wait_for(lambda: beat.stat().st_mtime, lambda touched: touched > first)
        assert _healthcheck(beat, max_age=2).returncode == 0

        process.send_signal(signal.SIGSTOP)  # stuck: no more progress of the event loop
        try:
            stale = wait_for(lambda: _healthcheck(beat, max_age=1), lambda r: r.returncode == 1)
            assert "the process is stuck" in stale.stderr
        finally:
            process.send_signal(signal.SIGCONT)
        wait_for(lambda: _healthcheck(beat, max_age=1), lambda r: r.returncode == 0)

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0, (tmp_path / "log").read_text()
    assert not beat.exists()
