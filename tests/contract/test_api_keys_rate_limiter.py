"""KeyRateLimiter as the container builds it from HERALD_API_KEY_RATE_*: in-process in
the embedded default, in Redis (shared by every API process, counted in batches) in
production."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.redis.api_keys import RedisKeyRateLimiter
from application.ports.api_keys import KeyRateLimiter
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.redis import REDIS_URL, redis_client, require_redis


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[KeyRateLimiter]:
    mode = {} if request.param == "memory" else {"broker_url": REDIS_URL}
    if mode:
        await require_redis(REDIS_URL)
    settings = make_settings(
        "sqlite+aiosqlite:///:memory:", api_key_rate_limit=3, api_key_rate_window_seconds=60, **mode
    )
    container = make_container(settings)
    try:
        yield await container.get(KeyRateLimiter)
    finally:
        await container.close()


async def test_allows_up_to_the_limit_then_says_when_to_retry(limiter: KeyRateLimiter) -> None:
    key = str(uuid.uuid4())  # Redis keeps counts between runs: a fresh key each time
    assert [await limiter.hit(key) for _ in range(3)] == [None, None, None]
    retry_after = await limiter.hit(key)
    assert retry_after is not None
    assert 1 <= retry_after <= 60


async def test_keys_are_independent(limiter: KeyRateLimiter) -> None:
    busy, other = str(uuid.uuid4()), str(uuid.uuid4())
    for _ in range(4):
        await limiter.hit(busy)
    assert await limiter.hit(other) is None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_redis_counts_a_busy_key_in_batches_and_exactly_in_one_process() -> None:
    """Hits within an interval are added to Redis together; the limit still holds to the
    hit, since a hit that would pass it is decided on a fresh count."""
    async with redis_client() as client:
        prefix, clock = f"test:{uuid.uuid4()}:", Clock()
        limiter = RedisKeyRateLimiter(client, 5, 60, prefix=prefix, monotonic=clock)
        assert await limiter.hit("k") is None
        assert await client.get(prefix + "k") == b"1"
        assert [await limiter.hit("k") for _ in range(3)] == [None] * 3
        assert await client.get(prefix + "k") == b"1"  # counted here, not yet added
        clock.now += 0.1  # past the interval (50 ms): the next hit adds them all
        assert await limiter.hit("k") is None
        assert await client.get(prefix + "k") == b"5"
        retry_after = await limiter.hit("k")  # the sixth: past the limit at once
        assert retry_after is not None
        assert 1 <= retry_after <= 60
        assert await limiter.hit("k") == retry_after  # refused here until the window ends
        assert await client.get(prefix + "k") == b"6"


async def test_processes_share_a_key_and_overshoot_by_at_most_an_interval() -> None:
    async with redis_client() as client:
        prefix, clock = f"test:{uuid.uuid4()}:", Clock()
        a = RedisKeyRateLimiter(client, 10, 60, prefix=prefix, monotonic=clock)
        b = RedisKeyRateLimiter(client, 10, 60, prefix=prefix, monotonic=clock)
        assert [await a.hit("k") for _ in range(4)] == [None] * 4  # 1 added, 3 pending
        admitted_b = 0
        while await b.hit("k") is None:
            admitted_b += 1
        assert admitted_b == 9  # b knew of a's first hit only
        clock.now += 0.1
        assert await a.hit("k") is not None  # a's next add finds the window full


async def test_redis_window_ends_and_the_key_is_served_again() -> None:
    async with redis_client() as client:
        limiter = RedisKeyRateLimiter(client, 1, 1, prefix=f"test:{uuid.uuid4()}:")
        assert await limiter.hit("k") is None
        assert await limiter.hit("k") is not None
        await asyncio.sleep(1.1)  # the window (1 s) ends in Redis and here
        assert await limiter.hit("k") is None
