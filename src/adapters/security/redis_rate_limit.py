from redis.asyncio import Redis


class RedisRateLimiter:
    """Fixed-window counter in Redis, shared by every API replica."""

    def __init__(
        self, redis: Redis, limit: int, window_seconds: int, prefix: str = "herald:rl:"
    ) -> None:
        self._redis = redis
        self._limit = limit
        self._window = window_seconds
        self._prefix = prefix

    async def hit(self, key: str) -> int | None:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self._window, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        if int(count) > self._limit:
            return max(1, int(ttl))
        return None
