"""Helpers for tests of the delivery engine run in-process (as the embedded default does)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from application.ports.notifications import SchedulerWakeup
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from entrypoints.tasks import subscriptions
from entrypoints.tasks.broker import make_broker
from entrypoints.tasks.notifications import run_dispatcher


@pytest.fixture
async def client(
    settings: Settings, container: AsyncContainer
) -> AsyncIterator[AsyncTestClient[Any]]:
    """The whole app with the in-memory broker and the dispatcher loop started by its own
    lifespan, as `herald serve` does. Litestar's test client runs the app in a thread of
    its own while the test's loop waits, so the engine must live in the app's loop: run
    beside the test instead, it would hold SQLite's write lock while the app waits."""
    app = create_app(settings, container)
    broker = make_broker(settings, container)
    running: list[tuple[asyncio.Task[None], asyncio.Event]] = []

    async def start() -> None:
        await broker.startup()
        await subscriptions.attach(container, broker)
        stop = asyncio.Event()
        running.append((asyncio.create_task(run_dispatcher(container, broker, stop)), stop))

    async def shut_down() -> None:
        for task, stop in running:  # end between rounds, never inside a database call
            stop.set()
            await (await container.get(SchedulerWakeup)).notify(datetime.now(UTC))
            await asyncio.wait_for(task, timeout=10)
        await broker.shutdown()

    app.on_startup.append(start)
    app.on_shutdown.append(shut_down)
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def wait_for_status(
    client: AsyncTestClient[Any], headers: dict[str, str], nid: str, *statuses: str
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(300):
        body = (await client.get(f"/notifications/{nid}", headers=headers)).json()
        if body["status"] in statuses:
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"notification stayed {body.get('status')}: {body}")
