"""RateLimiter: the in-process counter and the Redis one (shared by API replicas) agree."""

import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.memory.accounts import InMemoryRateLimiter
from adapters.redis.accounts import RedisRateLimiter
from application.ports.accounts import RateLimiter
from tests.support.redis import redis_client


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield InMemoryRateLimiter(limit=3, window_seconds=60)
        return
    async with redis_client() as client:
        yield RedisRateLimiter(client, limit=3, window_seconds=60, prefix=f"test:{uuid.uuid4()}:")


async def test_allows_up_to_the_limit_then_says_when_to_retry(limiter: RateLimiter) -> None:
    assert [await limiter.hit("k") for _ in range(3)] == [None, None, None]
    retry_after = await limiter.hit("k")
    assert retry_after is not None
    assert 1 <= retry_after <= 60


async def test_keys_are_independent(limiter: RateLimiter) -> None:
    for _ in range(4):
        await limiter.hit("a")
    assert await limiter.hit("b") is None


async def test_in_memory_window_resets() -> None:
    now = [0.0]
    limiter = InMemoryRateLimiter(limit=1, window_seconds=10, monotonic=lambda: now[0])
    assert await limiter.hit("k") is None
    assert await limiter.hit("k") == 10
    now[0] = 10.0
    assert await limiter.hit("k") is None
