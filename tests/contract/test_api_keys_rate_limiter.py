"""KeyRateLimiter as the container builds it from HERALD_API_KEY_RATE_*: in-process in
the embedded default, in Redis (shared by every API process) in production."""

import uuid
from collections.abc import AsyncIterator

import pytest

from application.ports.api_keys import KeyRateLimiter
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.redis import REDIS_URL, require_redis


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
