"""A short in-process memory of API key lookups, in front of the database's ApiKeyReader.

The same trade as the session cache (adapters/cachetools/accounts.py), with the same
setting, HERALD_AUTH_CACHE_SECONDS: a busy key costs one lookup per `ttl` instead of one
per request; a key revoked through this process is forgotten at once, and other
processes refuse it within `ttl` seconds.
"""

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from cachetools import TTLCache

from application.ports.api_keys import ApiKeyReader
from domain.api_keys import ApiKey

_MAX_ENTRIES = 10_000


class ApiKeyCache:
    def __init__(self, ttl_seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self._entries: TTLCache[str, ApiKey] = TTLCache(_MAX_ENTRIES, ttl_seconds, timer)

    def get(self, secret_hash: str) -> ApiKey | None:
        return self._entries.get(secret_hash)

    def put(self, key: ApiKey) -> None:
        self._entries[key.secret_hash] = key

    def forget(self, secret_hash: str) -> None:
        self._entries.pop(secret_hash, None)


class CachingApiKeyReader:
    """Remembers keys that were found; misses always ask the inner reader."""

    def __init__(self, inner: ApiKeyReader, cache: ApiKeyCache) -> None:
        self._inner = inner
        self._cache = cache

    async def find(self, secret_hash: str) -> ApiKey | None:
        found = self._cache.get(secret_hash)
        if found is None:
            found = await self._inner.find(secret_hash)
            if found is not None:
                self._cache.put(found)
        return found

    async def record_use(self, key: ApiKey, at: datetime) -> None:
        await self._inner.record_use(key, at)
        # The remembered key learns of its use, or it would ask for a write per request.
        if self._cache.get(key.secret_hash) is not None:
            self._cache.put(replace(key, last_used_at=at))
