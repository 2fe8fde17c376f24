"""Unhandled errors of the API, the worker's tasks and the dispatcher reach Sentry (a local
stub of its envelope endpoint), tagged with their request or task id, without secrets."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import uuid4

import pytest
import sentry_sdk
from dishka import AsyncContainer, Provider
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker

from adapters.taskiq.notifications import DELIVER_TASK
from application.notifications.deliver_notifications import DeliverNotifications
from application.notifications.dispatch_due import DispatchDueNotifications
from application.preferences.update_preferences import UpdatePreferences
from domain.errors import UpstreamUnavailable
from entrypoints.error_reporting import start_error_reporting, watch_event_loop
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from entrypoints.tasks.notifications import run_dispatcher
from tests.conftest import replace_settings
from tests.support.auth import bearer
from tests.support.databases import migrated_empty
from tests.support.exploding import MESSAGE, exploding
from tests.support.stubs.sentry import SentryStub, dsn

Event = dict[str, Any]


class Reporting:
    def __init__(self, settings: Settings, stub: SentryStub) -> None:
        self.settings = settings
        self._stub = stub

    def events(self) -> list[Event]:
        sentry_sdk.flush(timeout=10)
        return list(self._stub.events)

    async def container(self, *overrides: Provider) -> AsyncContainer:
        container = make_container(self.settings, *overrides)
        await migrated_empty(await container.get(AsyncEngine))
        return container


@pytest.fixture
def reporting(settings: Settings, sentry_stub: tuple[SentryStub, str]) -> Iterator[Reporting]:
    stub, url = sentry_stub
    reported = replace_settings(settings, sentry_dsn=dsn(url), sentry_environment="test")
    assert start_error_reporting(reported.error_reporting)
    yield Reporting(reported, stub)
    # Back to no client: the SDK's patches stay installed but do nothing without one.
    sentry_sdk.get_client().close(timeout=10)
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
async def exploding_api(reporting: Reporting) -> AsyncIterator[AsyncTestClient[Any]]:
    container = await reporting.container(exploding(UpdatePreferences))
    async with AsyncTestClient(create_app(reporting.settings, container)) as client:
        yield client
    await container.close()


def exception_of(event: Event) -> tuple[str, str]:
    value = event["exception"]["values"][-1]
    return value["type"], value["value"]


async def test_an_api_500_arrives_with_its_request_id_and_no_body_or_credentials(
    reporting: Reporting, exploding_api: AsyncTestClient[Any]
) -> None:
    headers = await bearer(exploding_api, "ann")
    token = headers["Authorization"].removeprefix("Bearer ")
    response = await exploding_api.patch(
        "/preferences",
        json={"email": "body-marker@example.com"},
        headers={**headers, "X-Request-ID": "req-sentry-1", "Cookie": "herald=cookie-marker"},
    )
    assert response.status_code == 500

    [event] = reporting.events()
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert event["environment"] == "test"
    assert exception_of(event) == ("RuntimeError", MESSAGE)
    assert event["logger"] == "herald.http"
    assert event["request"]["method"] == "PATCH"
    assert event["request"]["url"].endswith("/preferences")
    sent = json.dumps(event)
    for secret in (token, "body-marker", "cookie-marker", "password123"):
        assert secret not in sent
    assert event["request"]["headers"]["authorization"] == "[Filtered]"
    assert "data" not in event["request"]
    assert "env" not in event["request"]  # no client address


async def test_answers_the_api_gives_on_purpose_are_not_reported(
    reporting: Reporting, exploding_api: AsyncTestClient[Any]
) -> None:
    headers = await bearer(exploding_api, "ann")
    bad_login = {"username": "ann", "password": "wrong-password"}
    assert (await exploding_api.post("/auth/login", json=bad_login)).status_code == 401
    assert (await exploding_api.get("/nowhere")).status_code == 404
    invalid = await exploding_api.post("/notifications", json={"channel": 7}, headers=headers)
    assert invalid.status_code == 422
    bad_body = b"{not json"
    json_headers = {**headers, "Content-Type": "application/json"}
    response = await exploding_api.patch("/preferences", content=bad_body, headers=json_headers)
    assert response.status_code == 400
    assert reporting.events() == []

    # The same client does report what it did not mean to answer.
    assert (await exploding_api.patch("/preferences", json={}, headers=headers)).status_code == 500
    assert [exception_of(e) for e in reporting.events()] == [("RuntimeError", MESSAGE)]


async def test_a_failing_task_arrives_with_its_task_id(reporting: Reporting) -> None:
    container = await reporting.container(exploding(DeliverNotifications))
    broker = await container.get(AsyncBroker)
    await broker.startup()
    try:
        deliver = broker.find_task(DELIVER_TASK)
        assert deliver is not None
        task = await deliver.kiq([str(uuid4())])
        assert (await task.wait_result(timeout=5)).is_err
    finally:
        await broker.shutdown()
        await container.close()

    [event] = reporting.events()
    assert event["tags"]["task_id"] == task.task_id
    assert event["tags"]["task_name"] == DELIVER_TASK
    assert "request_id" not in event["tags"]
    assert exception_of(event) == ("RuntimeError", MESSAGE)


async def test_a_failing_dispatcher_round_arrives(reporting: Reporting) -> None:
    container = await reporting.container(exploding(DispatchDueNotifications))
    broker = await container.get(AsyncBroker)
    stop = asyncio.Event()
    dispatcher = asyncio.create_task(run_dispatcher(container, broker, stop))
    try:
        for _ in range(50):
            if events := reporting.events():
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(dispatcher, timeout=10)
        await container.close()

    event = events[0]
    assert event["logger"] == "herald.dispatcher"
    assert event["logentry"]["message"] == "dispatcher round failed; retrying"
    assert exception_of(event) == ("RuntimeError", MESSAGE)


async def test_an_error_escaping_an_asyncio_task_arrives(reporting: Reporting) -> None:
    watch_event_loop()  # as the API, the worker and the scheduler do once their loop runs

    async def background() -> None:
        raise LookupError("nobody awaited this task")

    task = asyncio.create_task(background())
    await asyncio.wait([task])

    [event] = reporting.events()
    assert exception_of(event) == ("LookupError", "nobody awaited this task")
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "asyncio"
    assert isinstance(task.exception(), LookupError)


async def test_a_domain_error_a_task_raises_for_its_caller_is_not_reported(
    reporting: Reporting,
) -> None:
    """Concurrent upstream fetches raise UpstreamUnavailable in tasks of their own, and
    the populate use case handles it: that is no unhandled error."""
    watch_event_loop()

    async def fetch() -> None:
        raise UpstreamUnavailable("the upstream timed out")

    task = asyncio.create_task(fetch())
    await asyncio.wait([task])
    assert isinstance(task.exception(), UpstreamUnavailable)
    sentry_sdk.flush()
    assert reporting.events() == []


async def test_secrets_in_messages_and_extras_are_scrubbed(reporting: Reporting) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJlLW1hcmtlcg"
    try:
        raise ConnectionError("cannot reach postgresql://herald:db-pass-marker@db:5432/herald")
    except ConnectionError:
        logging.getLogger("herald.test").exception(
            "failed with Authorization: Bearer bearer-marker, token %s, "
            "HERALD_SENTRY_DSN=https://dsn-key-marker@sentry.example/1 and password=pw-marker",
            jwt,
            extra={
                "refresh_token": "refresh-marker",
                "api_key": "SG.sendgrid-marker.abcdefghijkl",
                "note": "key SG.sendgridkeymarker.abcdefghijklmnop",
                "caller": "with hk_herald-key-marker-abcdefghijklmnopqrstuvwxyz0",
            },
        )

    [event] = reporting.events()
    sent = json.dumps(event)
    for marker in (
        "db-pass-marker",
        "bearer-marker",
        jwt,
        "dsn-key-marker",
        "pw-marker",
        "refresh-marker",
        "sendgrid-marker",
        "sendgridkeymarker",
        "herald-key-marker",
    ):
        assert marker not in sent, marker
    assert "postgresql://[Filtered]@db:5432/herald" in sent  # where it failed stays readable


async def test_without_a_dsn_nothing_is_initialised(settings: Settings) -> None:
    assert settings.error_reporting.dsn is None
    assert not start_error_reporting(settings.error_reporting)
    assert not sentry_sdk.get_client().is_active()
