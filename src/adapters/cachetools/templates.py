"""A short in-process memory of templates, in front of the database's TemplateReader.

POST /notifications reads its template on every request; a busy template costs one read
per `ttl` instead. A key with no stored template (a built-in text is used, as for a
lead's welcome) is remembered as missing the same way. A template changed through this
process is forgotten at once (its repository forgets it on every write), and other
processes render the new version within `ttl` seconds:
HERALD_TEMPLATE_READ_CACHE_SECONDS, 0 turns the memory off.
"""

import time
from collections.abc import Callable
from typing import cast

from cachetools import TTLCache

from application.ports.templates import TemplateReader
from domain.templates import Template

_MAX_ENTRIES = 10_000
_NOT_KEPT = object()


class TemplateCache:
    def __init__(self, ttl_seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self._entries: TTLCache[str, Template | None] | None = (
            TTLCache(_MAX_ENTRIES, ttl_seconds, timer) if ttl_seconds > 0 else None
        )

    def get(self, key: str) -> tuple[bool, Template | None]:
        """Whether `key` is kept, and its template (None: kept as missing)."""
        found = _NOT_KEPT if self._entries is None else self._entries.get(key, _NOT_KEPT)
        if found is _NOT_KEPT:
            return False, None
        return True, cast(Template | None, found)

    def put(self, key: str, template: Template | None) -> None:
        if self._entries is not None:
            self._entries[key] = template

    def forget(self, key: str) -> None:
        if self._entries is not None:
            self._entries.pop(key, None)


class CachingTemplateReader:
    """Remembers what it read, templates and misses alike, for the cache's ttl."""

    def __init__(self, inner: TemplateReader, cache: TemplateCache) -> None:
        self._inner = inner
        self._cache = cache

    async def get(self, key: str) -> Template | None:
        kept, found = self._cache.get(key)
        if not kept:
            found = await self._inner.get(key)
            self._cache.put(key, found)
        return found
