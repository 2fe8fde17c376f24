"""The login limits in Redis, shared by every API replica."""

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


class RedisLoginHistory:
    """LoginHistory in Redis, shared by every API replica: a counter per account that
    expires with its window, and a set of known clients per account that expires when
    the account has not logged in for `remember_seconds`."""

    def __init__(
        self,
        redis: Redis,
        window_seconds: int,
        remember_seconds: int,
        prefix: str = "herald:login:",
    ) -> None:
        self._redis = redis
        self._window = window_seconds
        self._remember = remember_seconds
        self._prefix = prefix

    async def failures(self, account: str) -> tuple[int, int]:
        name = f"{self._prefix}failures:{account}"
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            count, ttl = await pipe.execute()
        return (int(count), max(1, int(ttl))) if count else (0, 0)

    async def add_failure(self, account: str) -> None:
        name = f"{self._prefix}failures:{account}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self._window, nx=True)
            await pipe.execute()

    async def knows(self, account: str, client: str) -> bool:
        return bool(await self._redis.sismember(f"{self._prefix}known:{account}", client))

    async def add_success(self, account: str, client: str) -> None:
        name = f"{self._prefix}known:{account}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(name, client)
            pipe.expire(name, self._remember)
            await pipe.execute()
