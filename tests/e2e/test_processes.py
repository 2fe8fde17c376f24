"""Real processes: the embedded default, and production mode on PostgreSQL and Redis with
separate api, worker and scheduler processes."""

import os
import re
import secrets
import shutil
import signal
import socket
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import (
    free_port,
    herald,
    herald_env,
    production_env,
    running,
    wait_for,
    wait_http,
)

pytestmark = pytest.mark.e2e
BROKER = "redis://127.0.0.1:6379/5"


def _password_from(log: str) -> str:
    match = re.search(r"admin login 'admin' with password (\S+)", log)
    assert match, log
    return match.group(1)


def test_embedded_default_generates_credentials_once(tmp_path: Path) -> None:
    env = herald_env()  # no HERALD_* at all: the README's run command
    port = free_port()
    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "1.log"):
        assert wait_http(f"http://127.0.0.1:{port}/health/ready").status_code == 200
        first_log = (tmp_path / "1.log").read_text()
        password = _password_from(first_log)
        login = httpx.post(
            f"http://127.0.0.1:{port}/auth/login",
            data={"username": "admin", "password": password},
        )
        assert login.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
    assert "generated a JWT signing secret" in first_log
    assert (tmp_path / ".herald" / "jwt-secret").stat().st_mode & 0o077 == 0

    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "2.log"):
        assert wait_http(f"http://127.0.0.1:{port}/health/live").status_code == 200
        me = httpx.post(
            f"http://127.0.0.1:{port}/auth/login",
            data={"username": "admin", "password": password},
        )
        assert me.status_code == 200  # same secret and database after a restart
    second_log = (tmp_path / "2.log").read_text()
    assert "password" not in second_log
    assert "generated a JWT" not in second_log
    # The banner comes once, when the API listens, after the admin's password.
    assert first_log.count("Herald: API on") == 1
    assert first_log.index("with password") < first_log.index("Herald: API on")
    assert (tmp_path / ".herald" / "herald.db").stat().st_mode & 0o077 == 0

    # A lost password can always be replaced.
    reset = herald(
        "reset-password", "--username", "admin", env=env, cwd=tmp_path, stdin="fresh-pass-42\n"
    )
    assert reset.returncode == 0, reset.stderr
    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "3.log"):
        wait_http(f"http://127.0.0.1:{port}/health/live")
        old = {"username": "admin", "password": password}
        new = {"username": "admin", "password": "fresh-pass-42"}
        assert httpx.post(f"http://127.0.0.1:{port}/auth/login", data=old).status_code == 401
        assert httpx.post(f"http://127.0.0.1:{port}/auth/login", data=new).status_code == 200
    unknown = herald(
        "reset-password", "--username", "nobody", env=env, cwd=tmp_path, stdin="fresh-pass-42\n"
    )
    assert unknown.returncode != 0
    assert "no user named 'nobody'" in unknown.stderr


def test_a_taken_port_stops_serve_before_anything_is_made(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = herald("serve", "--port", str(port), env=herald_env(), cwd=tmp_path)
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert not (tmp_path / ".herald").exists()  # no secret, no database, no admin
    assert "password" not in result.stdout + result.stderr


def test_production_processes(tmp_path: Path, fresh_database: str) -> None:
    database_url = fresh_database
    secret = secrets.token_urlsafe(48)
    env = production_env(database_url, BROKER, jwt_secret=secret)
    weak = herald("migrate", env={**env, "HERALD_JWT_SECRET": "admin"}, cwd=tmp_path)
    assert weak.returncode != 0
    assert "too weak" in weak.stderr
    assert herald("migrate", env=env, cwd=tmp_path).returncode == 0
    created = herald(
        "create-admin", "--username", "Boss", env=env, cwd=tmp_path, stdin="s3cret-pass\n"
    )
    assert created.returncode == 0, created.stderr
    assert "created admin 'boss'" in created.stdout
    port = free_port()
    with (
        running(
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            env=env,
            cwd=tmp_path,
            log=tmp_path / "api.log",
        ),
        running("worker", env=env, cwd=tmp_path, log=tmp_path / "worker.log") as worker,
        running("scheduler", env=env, cwd=tmp_path, log=tmp_path / "scheduler.log") as scheduler,
    ):
        ready = wait_http(f"http://127.0.0.1:{port}/health/ready")
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "schema": "ok"}
        wait_for(lambda: (tmp_path / "api.log").read_text(), lambda log: "Herald: API on" in log)
        base = f"http://127.0.0.1:{port}"
        tokens = httpx.post(
            f"{base}/auth/login", json={"username": "boss", "password": "s3cret-pass"}
        )
        assert tokens.status_code == 200
        me = httpx.get(
            f"{base}/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}
        )
        assert me.json()["role"] == "admin"
        assert worker.poll() is None
        assert scheduler.poll() is None
    api_log = (tmp_path / "api.log").read_text()
    assert "password" not in api_log
    assert api_log.count("Herald: API on") == 1  # two processes, one banner
    assert api_log.count("metrics are unauthenticated") == 1  # the supervisor's, once


def test_api_processes_restart_and_stop_together(tmp_path: Path, fresh_database: str) -> None:
    env = production_env(fresh_database, BROKER)
    assert herald("migrate", env=env, cwd=tmp_path).returncode == 0
    port = free_port()
    url = f"http://127.0.0.1:{port}/health/live"
    log = tmp_path / "api.log"
    with running(
        "serve", "--port", str(port), "--workers", "2", env=env, cwd=tmp_path, log=log
    ) as api:
        wait_http(url)
        children = wait_for(lambda: _children(api.pid), lambda found: len(found) == 2)
        taken = herald("serve", "--port", str(port), "--workers", "2", env=env, cwd=tmp_path)
        assert taken.returncode != 0
        assert f"cannot listen on 127.0.0.1:{port}" in taken.stderr
        os.kill(children[0], signal.SIGKILL)
        replaced = wait_for(
            lambda: _children(api.pid),
            lambda found: len(found) == 2 and children[0] not in found,
        )
        assert children[1] in replaced
        assert "starting another" in log.read_text()
        assert all(wait_http(url).status_code == 200 for _ in range(5))
    assert api.returncode is not None
    assert not any(Path(f"/proc/{pid}").exists() for pid in replaced)


def _children(parent: int) -> list[int]:
    """Live API processes under `parent` (the spawn start method adds a resource tracker,
    which is not one)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[1]) == parent and fields[0] != "Z" and b"resource_tracker" not in cmdline:
            found.append(int(stat.parent.name))
    return sorted(found)


ME_401 = {"method": "GET", "path": "/me", "status_code": "401"}


def _requests_in(metrics_dir: Path, pid: int | None = None) -> float:
    """GET /me answered 401, as the multiprocess files say: of every process, or of one."""
    if pid is not None:  # a directory holding that process's files alone
        only = metrics_dir.parent / f"only-{pid}"
        only.mkdir(exist_ok=True)
        for file in metrics_dir.glob(f"*_{pid}.db"):
            shutil.copy(file, only / file.name)
        metrics_dir = only
    registry = CollectorRegistry()
    MultiProcessCollector(registry, str(metrics_dir))
    return registry.get_sample_value("herald_requests_total", ME_401) or 0.0


def _scraped(response: httpx.Response) -> float:
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "herald_requests_total" and sample.labels == ME_401:
                return sample.value
    return 0.0


def test_api_processes_answer_scrapes_for_all(tmp_path: Path, fresh_database: str) -> None:
    token = secrets.token_urlsafe(24)
    env = production_env(fresh_database, BROKER, metrics_token=token)
    env["TMPDIR"] = str(tmp_path)  # where the supervisor makes its metrics directory
    assert herald("migrate", env=env, cwd=tmp_path).returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "api.log"
    with running(
        "serve", "--port", str(port), "--workers", "2", env=env, cwd=tmp_path, log=log
    ) as api:
        wait_http(f"{base}/health/live")
        children = wait_for(lambda: _children(api.pid), lambda found: len(found) == 2)
        [metrics_dir] = tmp_path.glob("herald-metrics-*")
        # Each request on a new connection; the kernel spreads them over both processes.
        sent = 0
        while sent < 40 or not all(_requests_in(metrics_dir, pid) for pid in children):
            assert httpx.get(f"{base}/me").status_code == 401
            sent += 1
            assert sent < 400, "the requests never reached both processes"
        assert _requests_in(metrics_dir) == sent
        scrapes = [
            httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
            for _ in range(6)
        ]
        assert [_scraped(r) for r in scrapes] == [sent] * 6  # every answer counts both
        refused = httpx.get(f"{base}/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"

        # A process that dies is marked dead: its live gauge goes, its counts stay.
        assert (metrics_dir / f"gauge_livesum_{children[0]}.db").exists()
        os.kill(children[0], signal.SIGKILL)
        wait_for(lambda: _children(api.pid), lambda found: children[0] not in found)
        wait_for(
            lambda: (metrics_dir / f"gauge_livesum_{children[0]}.db").exists(),
            lambda exists: not exists,
        )
        again = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
        assert _scraped(again) == sent
    assert "metrics are unauthenticated" not in log.read_text()
    assert not metrics_dir.exists()  # removed when the supervisor stops
