"""The per-process memory of key lookups: a revocation elsewhere holds once the
HERALD_AUTH_CACHE_SECONDS have passed, one through this process at once."""

from datetime import UTC, datetime, timedelta

from adapters.cachetools.api_keys import ApiKeyCache, CachingApiKeyReader
from adapters.memory.api_keys import InMemoryApiKeyRepository
from domain.api_keys import ApiKey, Scope, new_secret
from domain.ids import new_id

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Timer:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def made() -> ApiKey:
    return ApiKey.make(
        new_id(), "k", frozenset({Scope.RECIPIENTS_READ}), new_secret(), NOW, new_id()
    )


async def test_a_revocation_in_another_process_holds_after_the_cache_time() -> None:
    timer, database, key = Timer(), InMemoryApiKeyRepository(), made()
    await database.add(key)
    reader = CachingApiKeyReader(database, ApiKeyCache(1.0, timer))
    assert await reader.find(key.secret_hash) == key
    await database.revoke(key.revoke(NOW))  # by another process, whose cache this is not
    timer.now = 0.9
    found = await reader.find(key.secret_hash)
    assert found is not None
    assert not found.revoked
    timer.now = 1.0
    found = await reader.find(key.secret_hash)
    assert found is not None
    assert found.revoked


async def test_forgotten_at_once_and_misses_not_remembered() -> None:
    timer, database, key = Timer(), InMemoryApiKeyRepository(), made()
    cache = ApiKeyCache(1.0, timer)
    reader = CachingApiKeyReader(database, cache)
    assert await reader.find(key.secret_hash) is None
    await database.add(key)
    assert await reader.find(key.secret_hash) == key  # a miss was not remembered
    await database.revoke(key.revoke(NOW))
    cache.forget(key.secret_hash)  # as this process's SqlApiKeyRepository.revoke does
    found = await reader.find(key.secret_hash)
    assert found is not None
    assert found.revoked


async def test_a_recorded_use_is_remembered() -> None:
    timer, database, key = Timer(), InMemoryApiKeyRepository(), made()
    await database.add(key)
    reader = CachingApiKeyReader(database, ApiKeyCache(1.0, timer))
    await reader.find(key.secret_hash)
    used = NOW + timedelta(minutes=3)
    await reader.record_use(key, used)
    found = await reader.find(key.secret_hash)
    assert found is not None
    assert found.last_used_at == used
