"""The dispatcher's wake-up across processes, over Redis pub/sub: the API and the workers
publish, the scheduler's dispatcher listens."""

import asyncio
import logging
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from application.ports.clock import Clock

log = logging.getLogger("herald.wakeup")


class RedisWakeup:
    """`notify` publishes a ping on `channel`; `start` subscribes to it, so that `wait`
    ends on any process's ping. Pings that arrive together wake the dispatcher once.

    A process's notifies share publishes: one that comes while a ping is on its way
    waits for the next ping, sent when that one is done and covering every notify since.
    Each notify still returns after a ping sent after it was called, so none is missed;
    under load an API process publishes once per round trip to Redis, not per request.
    """

    def __init__(self, redis: Redis, channel: str, clock: Clock) -> None:
        self._redis = redis
        self._channel = channel
        self._clock = clock
        self._pubsub: Any = None  # redis-py's PubSub, once started
        self._sending: asyncio.Future[None] | None = None  # the ping on its way
        self._queued: asyncio.Future[None] | None = None  # the ping after it

    async def notify(self, due_at: datetime) -> None:
        if self._queued is None:
            self._queued = asyncio.ensure_future(self._ping_after(self._sending))
        # Shielded: a caller that is cancelled does not cancel the others' ping.
        await asyncio.shield(self._queued)

    async def _ping_after(self, sending: "asyncio.Future[None] | None") -> None:
        if sending is not None:
            await asyncio.wait([sending])
        self._sending, self._queued = self._queued, None  # later notifies wait for another
        try:
            await self._redis.publish(self._channel, b"1")
        except Exception:  # best effort: the scheduler also polls
            log.warning("could not publish a scheduler wake-up", exc_info=True)

    async def start(self) -> None:
        if self._pubsub is None:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(self._channel)
            self._pubsub = pubsub

    async def wait(self, until: datetime) -> bool:
        await self.start()
        try:
            while True:
                left = max(0.0, (until - self._clock.now()).total_seconds())
                if await self._next(left):
                    while await self._next(0.0):  # the pings that came with it
                        pass
                    return True
                if left == 0.0:
                    return False
        except (RedisError, OSError):
            # Polling covers what a lost subscription misses; report it as a wake-up, so
            # that the dispatcher reads the database once it is back.
            log.warning("scheduler wake-ups unavailable; polling", exc_info=True)
            await asyncio.sleep(max(0.0, (until - self._clock.now()).total_seconds()))
            return True

    async def _next(self, seconds: float) -> bool:
        message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=seconds)
        return message is not None

    async def close(self) -> None:
        pings = [f for f in (self._sending, self._queued) if f is not None]
        if pings:  # let them go out before Redis closes
            await asyncio.wait(pings)
        if self._pubsub is not None:
            pubsub, self._pubsub = self._pubsub, None
            await pubsub.aclose()
