"""A short in-process memory of templates, in front of the database's TemplateReader.

POST /notifications reads its template on every request; a busy template costs one read
per `ttl` instead. A template changed through this process is forgotten at once (its
repository forgets it on every write), and other processes render the new version
within `ttl` seconds: HERALD_TEMPLATE_READ_CACHE_SECONDS, 0 turns the memory off.
"""

import time
from collections.abc import Callable

from cachetools import TTLCache

from application.ports.templates import TemplateReader
from domain.templates import Template

_MAX_ENTRIES = 10_000


class TemplateCache:
    def __init__(self, ttl_seconds: float, timer: Callable[[], float] = time.monotonic) -> None:
        self._entries: TTLCache[str, Template] | None = (
            TTLCache(_MAX_ENTRIES, ttl_seconds, timer) if ttl_seconds > 0 else None
        )

    def get(self, key: str) -> Template | None:
        return None if self._entries is None else self._entries.get(key)

    def put(self, template: Template) -> None:
        if self._entries is not None:
            self._entries[template.key] = template

    def forget(self, key: str) -> None:
        if self._entries is not None:
            self._entries.pop(key, None)


class CachingTemplateReader:
    """Remembers templates that were found; misses always ask the inner reader."""

    def __init__(self, inner: TemplateReader, cache: TemplateCache) -> None:
        self._inner = inner
        self._cache = cache

    async def get(self, key: str) -> Template | None:
        found = self._cache.get(key)
        if found is None:
            found = await self._inner.get(key)
            if found is not None:
                self._cache.put(found)
        return found
