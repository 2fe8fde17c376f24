"""Waking the scheduler loop early when new work is due: in-process (embedded default)
or over Redis pub/sub (API, worker and scheduler are separate processes)."""

import asyncio
import contextlib
import logging
from datetime import datetime

from redis.asyncio import Redis

from adapters.memory.wakeup import InProcessWakeup

log = logging.getLogger("herald.wakeup")


class RedisWakeup(InProcessWakeup):
    """`notify` publishes a ping; `start` subscribes, so `wait` returns on any process's ping."""

    def __init__(self, redis: Redis, channel: str) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel
        self._reader: asyncio.Task[None] | None = None

    async def notify(self, due_at: datetime) -> None:
        try:
            await self._redis.publish(self._channel, b"1")
        except Exception:  # best effort: the scheduler also polls
            log.warning("could not publish a scheduler wake-up", exc_info=True)

    async def start(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)
        self._reader = asyncio.create_task(self._read(pubsub))

    async def _read(self, pubsub: object) -> None:
        async for _ in pubsub.listen():  # type: ignore[attr-defined]
            self.wake()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
