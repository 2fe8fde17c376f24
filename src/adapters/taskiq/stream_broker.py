"""Taskiq's Redis streams broker with one redis-py client for its sends and acks.

`RedisStreamBroker` (taskiq-redis 1.2) builds a new `Redis` client around its pool for
every message it sends and every acknowledgement: the client's constructor (its table of
response callbacks) cost the inbound webhook more CPU than the XADD itself. A client
over a pool is safe to share between tasks (each command takes a connection of the
pool), so the broker keeps one for its lifetime."""

from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from taskiq import BrokerMessage
from taskiq_redis import RedisStreamBroker


class StreamBroker(RedisStreamBroker):
    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self._redis = Redis(connection_pool=self.connection_pool)

    async def kick(self, message: BrokerMessage) -> None:
        queue_name = message.labels.get("queue_name") or self.queue_name
        await self._redis.xadd(
            queue_name,
            {b"data": message.message},
            maxlen=self.maxlen,
            approximate=self.approximate,
        )

    def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
        async def _ack() -> None:
            await self._redis.xack(queue_name, self.consumer_group_name, id)

        return _ack
