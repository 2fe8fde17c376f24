"""A short in-process memory of session lookups, in front of the database's SessionReader.

Every authenticated request looks up its session; with this cache a busy client costs
one database round trip per `ttl` instead of one per request. The price is staleness:
a session revoked through this process (logout, refresh-token reuse) is forgotten at
once, but other processes may accept it for up to `ttl` seconds.
"""

import time
from collections.abc import Callable
from uuid import UUID

from cachetools import TTLCache

from application.ports.accounts import SessionReader
from domain.accounts import Session, User

_MAX_ENTRIES = 10_000


class SessionCache:
    def __init__(self, ttl_seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self._entries: TTLCache[UUID, tuple[Session, User]] = TTLCache(
            _MAX_ENTRIES, ttl_seconds, timer
        )

    def get(self, session_id: UUID) -> tuple[Session, User] | None:
        return self._entries.get(session_id)

    def put(self, session_id: UUID, found: tuple[Session, User]) -> None:
        self._entries[session_id] = found

    def forget(self, session_id: UUID) -> None:
        self._entries.pop(session_id, None)


class CachingSessionReader:
    """Remembers sessions that were found; misses always ask the inner reader."""

    def __init__(self, inner: SessionReader, cache: SessionCache) -> None:
        self._inner = inner
        self._cache = cache

    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        found = self._cache.get(session_id)
        if found is None:
            found = await self._inner.get_with_user(session_id)
            if found is not None:
                self._cache.put(session_id, found)
        return found
