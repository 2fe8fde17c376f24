"""`GET /api/stream` in the embedded default: its refusals through the app, and its
events (the memory backend of Litestar's channels) through the stream's own generator,
since the test client cannot read an answer that never ends. Between real processes on
Redis: tests/e2e/test_messaging_streams.py."""

import asyncio
import json
from typing import Any
from uuid import UUID

from dishka import AsyncContainer
from litestar.response import ServerSentEventMessage
from litestar.testing import AsyncTestClient

from application.accounts.authenticate import Authenticate
from domain.accounts import User
from entrypoints.http.messaging import live_events
from tests.support.auth import admin_bearer, bearer, key_headers
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]


async def _user(container: AsyncContainer, headers: dict[str, str]) -> User:
    async with container() as scope:
        token = headers["Authorization"].removeprefix("Bearer ")
        return (await (await scope.get(Authenticate))(token)).user


async def _next(events: Any) -> ServerSentEventMessage:
    """The next event, comments skipped; within 5 seconds."""
    while True:
        async with asyncio.timeout(5):
            item = await anext(events)
        if item.comment is None:
            return item  # type: ignore[no-any-return]


async def test_the_stream_refuses_strangers_keys_and_bad_ids(
    client: Client, container: AsyncContainer
) -> None:
    assert_problem(await client.get("/api/stream"), 401)
    admin = await admin_bearer(client, container)
    key = await key_headers(client, admin, "notifications:read")
    assert_problem(await client.get("/api/stream", headers=key), 403)
    ann = await bearer(client, "ann")
    bad = await client.get("/api/stream", headers={**ann, "Last-Event-ID": "nope"})
    assert assert_problem(bad, 422)["errors"][0]["field"] == "Last-Event-ID"


async def test_events_reach_the_stream_and_a_reconnect_replays(
    client: Client, container: AsyncContainer
) -> None:
    ann, bugs = await bearer(client, "ann"), await bearer(client, "bugs")
    user = await _user(container, bugs)
    events = live_events(container, user, None)
    assert (await anext(events)).comment == "live"
    sent = await client.post(
        "/api/messages", headers=ann, json={"recipient_user_name": "bugs", "body": "hi \U0001f955"}
    )
    got = await _next(events)
    assert (got.event, json.loads(str(got.data))["body"]) == ("message", "hi \U0001f955")
    assert got.id is not None
    path = f"/api/conversations/{sent.json()['conversation_id']}"
    await client.post(f"{path}/typing", headers=ann)
    assert (await _next(events)).event == "typing"
    await events.aclose()
    # Delivered once it reached the stream.
    mine = (await client.get("/api/messages/bugs", headers=ann)).json()["items"][0]
    assert mine["delivered_at"] is not None

    await client.patch(f"{path}/messages/{sent.json()['id']}", headers=ann, json={"body": "hey"})
    await client.delete(f"{path}/messages/{sent.json()['id']}", headers=ann)
    again = live_events(container, user, UUID(str(got.id)))
    replayed = [await anext(again) for _ in range(3)]
    assert [e.event for e in replayed[:2]] == ["message.edited", "message.deleted"]
    assert replayed[2].comment == "live"
    await again.aclose()
