"""docker-compose.yml is valid and describes the production deployment."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        reason = "docker-compose is not installed (Debian package docker-compose)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_compose(), "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
        timeout=60,
        check=False,
    )


def test_compose_config_is_valid() -> None:
    result = _config({"HERALD_JWT_SECRET": "s" * 40, "POSTGRES_PASSWORD": "p" * 20})
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert {"postgres", "redis", "migrate", "api", "worker", "scheduler"} <= set(config["services"])
    assert config["services"]["scheduler"]["command"] == ["herald", "scheduler"]
    env = config["services"]["api"]["environment"]
    assert env["HERALD_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["HERALD_BROKER_URL"].startswith("redis://")


def test_compose_refuses_to_run_without_secrets() -> None:
    result = _config({})
    assert result.returncode != 0
    assert "HERALD_JWT_SECRET" in result.stderr or "POSTGRES_PASSWORD" in result.stderr
