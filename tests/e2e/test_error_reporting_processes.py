"""Real processes with HERALD_SENTRY_DSN set: the embedded `herald serve`, and production
mode's `herald worker` and `herald scheduler`, report their unhandled errors to the Sentry
stub; their logs, not written to a terminal, are JSON lines."""

import asyncio
import json
import re
import secrets
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from taskiq import AsyncBroker

from adapters.taskiq.notifications import DELIVER_TASK
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.support.processes import free_port, herald_env, running, wait_for, wait_http
from tests.support.redis import REDIS_URL
from tests.support.stubs.sentry import SentryStub, dsn

pytestmark = pytest.mark.e2e

Event = dict[str, Any]


def _json_lines(log: Path) -> list[dict[str, Any]]:
    # stdout (banner, password) shares the file; the log lines are the JSON ones.
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_embedded_serve_reports_an_api_500_and_the_dispatcher(
    tmp_path: Path, sentry_stub: tuple[SentryStub, str]
) -> None:
    stub, stub_url = sentry_stub
    env = herald_env(sentry_dsn=dsn(stub_url), sentry_environment="e2e")
    port, log = free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=log):
        assert wait_http(f"{base}/health/ready").status_code == 200
        password = re.search(r"with password (\S+)", log.read_text())
        assert password
        login = {"username": "admin", "password": password.group(1)}
        token = httpx.post(f"{base}/auth/login", json=login).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "e2e-req-1"}
        # A stored row Herald cannot read (a bug an operator must hear about), and a table
        # gone under the running dispatcher. (A missing table in a request is a 503.)
        assert httpx.patch(f"{base}/preferences", headers=headers, json={}).status_code == 200
        with sqlite3.connect(tmp_path / ".herald" / "herald.db") as db:
            db.execute("UPDATE recipients SET timezone = 'Mars/Olympus'")
            db.execute("ALTER TABLE notifications RENAME TO notifications_gone")
        assert httpx.get(f"{base}/preferences", headers=headers).status_code == 500
        events = wait_for(
            lambda: list(stub.events),
            lambda seen: {"herald.http", "herald.dispatcher"} <= {e.get("logger") for e in seen},
        )

    api = next(e for e in events if e.get("logger") == "herald.http")
    assert api["tags"]["request_id"] == "e2e-req-1"
    assert api["environment"] == "e2e"
    assert token not in json.dumps(api)
    dispatcher = next(e for e in events if e.get("logger") == "herald.dispatcher")
    assert dispatcher["logentry"]["message"] == "dispatcher round failed; retrying"
    [error_line] = [r for r in _json_lines(log) if r["message"] == "unhandled error"]
    assert error_line["request_id"] == "e2e-req-1"
    assert "is unreadable: must be an IANA time zone" in error_line["exc_info"]


async def _kick_malformed_delivery(settings: Settings) -> str:
    container = make_container(settings)
    broker = await container.get(AsyncBroker)
    await broker.startup()
    try:
        deliver = broker.find_task(DELIVER_TASK)
        assert deliver is not None
        task: str = (await deliver.kiq(["not-a-uuid"])).task_id
        return task
    finally:
        await broker.shutdown()
        await container.close()


async def _forget_queue(queue: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(f"{queue}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def test_worker_and_scheduler_report_their_errors(
    tmp_path: Path, sentry_stub: tuple[SentryStub, str], fresh_database: str
) -> None:
    stub, stub_url = sentry_stub
    queue = f"e2e-sentry-{uuid.uuid4().hex[:8]}"
    env = herald_env(
        database_url=fresh_database,
        broker_url=REDIS_URL,
        jwt_secret=secrets.token_urlsafe(48),
        task_queue=queue,
        sentry_dsn=dsn(stub_url),
        sms_provider="console",
        email_provider="console",
    )
    try:
        with (
            running("worker", env=env, cwd=tmp_path, log=tmp_path / "worker.log") as worker,
            running("scheduler", env=env, cwd=tmp_path, log=tmp_path / "scheduler.log"),
        ):
            task_id = asyncio.run(_kick_malformed_delivery(Settings.from_env(env)))
            events = wait_for(
                lambda: list(stub.events),
                lambda seen: (
                    any(e["tags"].get("task_id") == task_id for e in seen)
                    and any(e.get("logger") == "herald.dispatcher" for e in seen)
                ),
            )
            assert worker.poll() is None  # a failing task does not stop the worker
    finally:
        asyncio.run(_forget_queue(queue))

    task = next(e for e in events if e["tags"].get("task_id") == task_id)
    assert task["tags"]["task_name"] == DELIVER_TASK
    assert task["exception"]["values"][-1]["type"] == "ValueError"
    errors = [r for r in _json_lines(tmp_path / "worker.log") if r["level"] == "error"]
    assert errors
    # Each names its task; the cron tasks (the offline fallback of messaging, every
    # minute) fail on this unmigrated database too, whenever a minute begins.
    assert f"task-{task_id}" in {r["request_id"] for r in errors}
    assert all(r["request_id"].startswith("task-") for r in errors)
    dispatcher = next(e for e in events if e.get("logger") == "herald.dispatcher")
    assert "UndefinedTableError" in [v["type"] for v in dispatcher["exception"]["values"]]
