"""Tests that need Redis: its URL, and a skip when it is unreachable, except in CI, where
that fails."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

# Not database 0 by default: that is where a local Herald (docker-compose.yml) keeps its own.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


async def require_redis(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} unreachable: {exc}")
        pytest.skip(f"Redis at {url} unreachable: {exc}")
    finally:
        await client.aclose()


@asynccontextmanager
async def redis_client() -> AsyncIterator[Redis]:
    """A client of the test Redis (skipping the test when it is unreachable), closed after."""
    await require_redis(REDIS_URL)
    client = Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()
