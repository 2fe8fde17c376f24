"""The heartbeat of worker and scheduler, the healthcheck that reads it, `herald --version`."""

import asyncio
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from entrypoints.cli import main
from entrypoints.heartbeat import HeartbeatError, check, heartbeat
from entrypoints.settings import Settings, SettingsError


def _healthcheck(path: Path, max_age: str = "30") -> int:
    with pytest.raises(SystemExit) as exit_:
        main(["healthcheck", "--heartbeat", str(path), "--max-age", max_age])
    return int(exit_.value.code or 0)


def test_a_fresh_heartbeat_is_healthy(tmp_path: Path) -> None:
    beat = tmp_path / "hb"
    beat.touch()
    assert check(beat, max_age=30) is None
    assert _healthcheck(beat) == 0


def test_a_stale_heartbeat_is_unhealthy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beat = tmp_path / "hb"
    beat.touch()
    an_hour_ago = time.time() - 3600
    os.utime(beat, (an_hour_ago, an_hour_ago))
    assert _healthcheck(beat) == 1
    assert "is 3600." in capsys.readouterr().err
    assert check(beat, max_age=30, now=an_hour_ago + 29) is None
    assert "stuck" in str(check(beat, max_age=30, now=an_hour_ago + 31))


def test_a_missing_heartbeat_is_unhealthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _healthcheck(tmp_path / "never-written") == 1
    assert "no heartbeat file" in capsys.readouterr().err


def test_the_compose_healthcheck_runs_without_the_app(tmp_path: Path) -> None:
    """The command in docker-compose.yml: the same check, on the standard library alone."""
    beat = tmp_path / "hb"
    command = [sys.executable, "-m", "entrypoints.heartbeat", "--heartbeat", str(beat)]
    missing = subprocess.run(command, capture_output=True, text=True, check=False)
    assert missing.returncode == 1
    assert "no heartbeat file" in missing.stderr
    beat.touch()
    fresh = subprocess.run(
        [sys.executable, "-X", "importtime", *command[1:]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fresh.returncode == 0, fresh.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in fresh.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("imported package")
    }
    assert imported - set(sys.stdlib_module_names) - {"sitecustomize"} == {"entrypoints"}


async def test_the_heartbeat_is_touched_while_the_loop_runs(tmp_path: Path) -> None:
    beat = tmp_path / "hb"
    async with heartbeat(str(beat), interval=0.02):
        assert check(beat, max_age=1) is None  # written at start, before the first interval
        os.utime(beat, (0, 0))
        await asyncio.sleep(0.1)
        assert check(beat, max_age=1) is None
        time.sleep(0.3)  # noqa: ASYNC251 - a stuck event loop: nothing touches the file
        assert check(beat, max_age=0.2) is not None
    assert not beat.exists()  # a stopped process is not alive


async def test_no_heartbeat_file_means_no_heartbeat(tmp_path: Path) -> None:
    async with heartbeat(None, interval=0.01):
        await asyncio.sleep(0.03)
    assert os.listdir(tmp_path) == []


async def test_an_unwritable_heartbeat_fails_the_start(tmp_path: Path) -> None:
    with pytest.raises(HeartbeatError, match="cannot write the heartbeat file"):
        async with heartbeat(str(tmp_path / "no-such-dir" / "hb"), interval=1):
            pass


def test_heartbeat_settings() -> None:
    settings = Settings.from_env(
        {"HERALD_HEARTBEAT_FILE": "/tmp/hb", "HERALD_HEARTBEAT_INTERVAL_SECONDS": "2.5"}
    )
    assert (settings.heartbeat.file, settings.heartbeat.interval_seconds) == ("/tmp/hb", 2.5)
    assert Settings.from_env({}).heartbeat.file is None
    with pytest.raises(SettingsError, match="HERALD_HEARTBEAT_INTERVAL_SECONDS"):
        Settings.from_env({"HERALD_HEARTBEAT_INTERVAL_SECONDS": "0"})


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"herald {version('herald')}\n"
