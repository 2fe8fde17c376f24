"""Every line written while serving a request carries its request id; every line written
while running a task carries the task's id."""

import logging

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker

from application.preferences.update_preferences import UpdatePreferences
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.logging import request_id_var
from entrypoints.settings import Settings
from tests.support.auth import bearer
from tests.support.databases import migrated_empty
from tests.support.exploding import exploding
from tests.support.logs import captured_logs


async def test_the_lines_of_a_request_carry_its_id(settings: Settings) -> None:
    container = make_container(settings, exploding(UpdatePreferences))
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(settings, container)) as client:
        headers = await bearer(client, "ann")
        with captured_logs("json") as logs:
            response = await client.patch(
                "/preferences", json={}, headers={**headers, "X-Request-ID": "req-log-1"}
            )
    await container.close()
    assert response.status_code == 500
    error, access = [r for r in logs.records() if r["logger"].startswith("herald.")]
    assert (error["logger"], error["message"]) == ("herald.http", "unhandled error")
    assert error["request_id"] == "req-log-1"
    assert "RuntimeError: the disk is on fire" in error["exc_info"]
    assert access["logger"] == "herald.access"
    assert access["request_id"] == "req-log-1"
    assert (access["method"], access["path"], access["status"]) == ("PATCH", "/preferences", 500)
    assert access["duration_ms"] > 0


async def test_the_lines_of_a_task_carry_its_id(settings: Settings) -> None:
    container = make_container(settings)
    broker = await container.get(AsyncBroker)

    async def chatty() -> None:
        logging.getLogger("herald.test").info("working")

    task = broker.register_task(chatty, task_name="test.chatty")
    await broker.startup()
    with captured_logs("json") as logs:
        # Kicked while serving a request, as the embedded default does: the task's lines
        # carry the task's id, not the request's.
        token = request_id_var.set("req-that-kicked")
        try:
            kicked = await task.kiq()
        finally:
            request_id_var.reset(token)
        assert not (await kicked.wait_result(timeout=5)).is_err
    await broker.shutdown()
    await container.close()
    lines = [
        r for r in logs.records() if r["logger"] in ("herald.test", "taskiq.receiver.receiver")
    ]
    assert [r["message"] for r in lines] == [
        f"Executing task test.chatty with ID: {kicked.task_id}",
        "working",
    ]
    assert {r["request_id"] for r in lines} == {f"task-{kicked.task_id}"}
