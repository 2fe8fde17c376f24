"""LoginHistory (and the wrong two-factor codes it also counts): the in-process memory
and the Redis one (shared by API replicas) agree."""

import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.memory.accounts import InMemoryLoginHistory
from adapters.redis.accounts import RedisLoginHistory
from application.ports.accounts import LoginHistory, MfaFailures
from tests.support.redis import redis_client


@pytest.fixture(params=["memory", "redis"])
async def history(request: pytest.FixtureRequest) -> AsyncIterator[LoginHistory]:
    if request.param == "memory":
        yield InMemoryLoginHistory(window_seconds=900, remember_seconds=3600)
        return
    async with redis_client() as client:
        prefix = f"test:{uuid.uuid4()}:"
        yield RedisLoginHistory(client, window_seconds=900, remember_seconds=3600, prefix=prefix)
        await client.delete(*[key async for key in client.scan_iter(f"{prefix}*")] or ["-"])


async def test_failures_count_within_their_window(history: LoginHistory) -> None:
    assert await history.failures("acct") == (0, 0)
    for _ in range(3):
        await history.add_failure("acct")
    count, seconds_left = await history.failures("acct")
    assert count == 3
    assert 1 <= seconds_left <= 900
    assert await history.failures("other") == (0, 0)


async def test_clients_are_known_per_account_after_a_success(history: LoginHistory) -> None:
    assert not await history.knows("acct", "laptop")
    await history.add_success("acct", "laptop")
    assert await history.knows("acct", "laptop")
    assert not await history.knows("acct", "phone")
    assert not await history.knows("other", "laptop")


async def test_in_memory_windows_end() -> None:
    now = [0.0]
    history = InMemoryLoginHistory(10, 100, monotonic=lambda: now[0])
    await history.add_failure("acct")
    await history.add_success("acct", "laptop")
    assert await history.failures("acct") == (1, 10)
    now[0] = 10.0
    assert await history.failures("acct") == (0, 0)
    assert await history.knows("acct", "laptop")
    now[0] = 100.0
    assert not await history.knows("acct", "laptop")


@pytest.fixture(params=["memory", "redis"])
async def mfa_failures(request: pytest.FixtureRequest) -> AsyncIterator[MfaFailures]:
    """Wrong two-factor codes, counted as the container binds it: the history's failure
    counter with a window (and, in Redis, a prefix) of its own."""
    if request.param == "memory":
        yield InMemoryLoginHistory(600, 1)
        return
    async with redis_client() as client:
        prefix = f"test:{uuid.uuid4()}:mfa:"
        yield RedisLoginHistory(client, 600, 1, prefix=prefix)
        await client.delete(*[key async for key in client.scan_iter(f"{prefix}*")] or ["-"])


async def test_wrong_mfa_codes_count_per_account_within_their_window(
    mfa_failures: MfaFailures,
) -> None:
    user = str(uuid.uuid4())
    assert await mfa_failures.failures(user) == (0, 0)
    for _ in range(5):
        await mfa_failures.add_failure(user)
    count, seconds_left = await mfa_failures.failures(user)
    assert count == 5
    assert 590 <= seconds_left <= 600
    assert await mfa_failures.failures(str(uuid.uuid4())) == (0, 0)
