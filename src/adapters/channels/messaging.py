"""Live events through Litestar's channels plugin: one channel per user, on its memory
backend in the embedded default (one process) and its Redis Pub/Sub backend in
production, where every API process subscribes to the channels of the streams it holds.
An event is published once to the channels of all its recipients (the same bytes for
each), so a group's message costs one publish."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from uuid import UUID

from litestar.channels import ChannelsPlugin

from domain.messaging import LiveEvent, LiveKind


def channel_of(user_id: UUID) -> str:
    return f"user:{user_id.hex}"


class ChannelsLiveChannel:
    def __init__(self, plugin: ChannelsPlugin) -> None:
        self._plugin = plugin

    async def publish(self, event: LiveEvent) -> None:
        if event.recipients:
            await self._plugin.wait_published(
                _dump(event), [channel_of(u) for u in event.recipients]
            )

    @asynccontextmanager
    async def listen(self, user_id: UUID) -> AsyncIterator[AsyncIterator[LiveEvent]]:
        async with self._plugin.start_subscription([channel_of(user_id)]) as subscriber:
            yield _events(subscriber.iter_events(), user_id)


async def _events(raw: AsyncIterator[bytes], user_id: UUID) -> AsyncIterator[LiveEvent]:
    async for data in raw:
        yield _load(data, user_id)


def _dump(event: LiveEvent) -> bytes:
    return json.dumps(
        {
            "id": event.id.hex,
            "kind": event.kind.value,
            "data": event.data,
            "at": event.created_at.isoformat(),
        }
    ).encode()


def _load(data: bytes, user_id: UUID) -> LiveEvent:
    d = json.loads(data)
    return LiveEvent(
        UUID(hex=d["id"]),
        LiveKind(d["kind"]),
        d["data"],
        datetime.fromisoformat(d["at"]),
        (user_id,),
    )
