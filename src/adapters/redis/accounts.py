"""The login limits in Redis, shared by every API replica."""

from redis.asyncio import Redis

# Count a hit; the window starts with its first hit (or on a counter without expiry).
# Answers 0 while within the limit, else the seconds left of the window. One command
# (atomic, as a script is) where INCR, EXPIRE and TTL in a MULTI were five round-trip
# commands: it runs on every request by an API key.
_HIT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
if count <= tonumber(ARGV[2]) then return 0 end
return ttl
"""


class RedisRateLimiter:
    """Fixed-window counter in Redis, shared by every API replica."""

    def __init__(
        self, redis: Redis, limit: int, window_seconds: int, prefix: str = "herald:rl:"
    ) -> None:
        self._hit = redis.register_script(_HIT)
        self._limit = limit
        self._window = window_seconds
        self._prefix = prefix

    async def hit(self, key: str) -> int | None:
        left = int(await self._hit(keys=[self._prefix + key], args=[self._window, self._limit]))
        return max(1, left) if left else None


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
