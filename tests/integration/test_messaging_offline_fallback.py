"""The offline fallback through the app: a message left unread past
HERALD_MESSAGES_NOTIFY_AFTER_SECONDS becomes one notification per conversation per
window, on the recipient's channels; reading first cancels it."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from application.messaging.notify_unread import NotifyUnread
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.conftest import replace_settings
from tests.support.auth import bearer
from tests.support.databases import migrated_empty

Client = AsyncTestClient[Any]
EMAIL = {"notify_pref": "email", "email": "bugs@example.com"}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[tuple[Client, AsyncContainer]]:
    quick = replace_settings(settings, messages_notify_after_seconds=1)
    container = make_container(quick)
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(quick, container)) as client:
        yield client, container
    await container.close()


async def run(container: AsyncContainer) -> int:
    async with container() as scope:
        return await (await scope.get(NotifyUnread))()


async def notices(client: Client, who: dict[str, str]) -> list[str]:
    items = (await client.get("/notifications", headers=who)).json()["items"]
    return [n["text"] for n in items]


async def test_unread_messages_notify_once_per_window(app: tuple[Client, AsyncContainer]) -> None:
    client, container = app
    ann, daffy = await bearer(client, "ann"), await bearer(client, "daffy")
    bugs = await bearer(client, "bugs", preferences=EMAIL)
    for who, body in [(ann, "one"), (ann, "two"), (daffy, "three")]:
        name = "bugs"
        r = await client.post(
            "/api/messages", headers=who, json={"recipient_user_name": name, "body": body}
        )
        assert r.status_code == 201
    assert await run(container) == 0  # not yet past the window
    await asyncio.sleep(1.1)
    assert await run(container) == 2  # one per conversation
    assert sorted(await notices(client, bugs)) == [
        "1 new message from daffy",
        "2 new messages from ann",
    ]
    await client.post(
        "/api/messages", headers=ann, json={"recipient_user_name": "bugs", "body": "four"}
    )
    assert await run(container) == 0  # told within this window already
    assert len(await notices(client, bugs)) == 2


async def test_reading_first_cancels_it(app: tuple[Client, AsyncContainer]) -> None:
    client, container = app
    ann = await bearer(client, "ann")
    bugs = await bearer(client, "bugs", preferences=EMAIL)
    sent = await client.post(
        "/api/messages", headers=ann, json={"recipient_user_name": "bugs", "body": "hi"}
    )
    path = f"/api/conversations/{sent.json()['conversation_id']}/read"
    await client.post(path, headers=bugs, json={"up_to": sent.json()["id"]})
    await asyncio.sleep(1.1)
    assert await run(container) == 0
    assert await notices(client, bugs) == []
    # Deleted messages are not waiting either.
    gone = await client.post(
        "/api/messages", headers=ann, json={"recipient_user_name": "bugs", "body": "oops"}
    )
    await client.delete(
        f"/api/conversations/{gone.json()['conversation_id']}/messages/{gone.json()['id']}",
        headers=ann,
    )
    await asyncio.sleep(1.1)
    assert await run(container) == 0


async def test_a_user_with_no_channel_is_not_notified(app: tuple[Client, AsyncContainer]) -> None:
    client, container = app
    ann, bugs = await bearer(client, "ann"), await bearer(client, "bugs")  # notify_pref none
    await client.post(
        "/api/messages", headers=ann, json={"recipient_user_name": "bugs", "body": "hi"}
    )
    await asyncio.sleep(1.1)
    assert await run(container) == 1
    assert await notices(client, bugs) == []
