"""Helpers for tests of the delivery engine run in-process (as the embedded default does)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from entrypoints.tasks.broker import make_broker
from entrypoints.tasks.notifications import run_dispatcher


@pytest.fixture
async def delivery(settings: Settings, container: AsyncContainer) -> AsyncIterator[None]:
    """The in-memory broker and the dispatcher loop, as `herald serve` runs them."""
    broker = make_broker(settings, container)
    await broker.startup()
    loop = asyncio.create_task(run_dispatcher(container, broker, settings))
    yield
    loop.cancel()
    await asyncio.gather(loop, return_exceptions=True)
    await broker.shutdown()


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
