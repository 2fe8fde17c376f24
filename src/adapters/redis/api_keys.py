"""The per-key rate limit in Redis, shared by every API process, counted in batches.

Each key has a fixed window in Redis, as the login limits do. A process counts its hits
of a key itself and adds them to the key's Redis counter at most every `flush_seconds`,
so a busy key costs one Redis round trip per interval instead of one per request (it
runs on every request by a key). A hit that would go past the limit by what this process
knows is decided on a fresh count: one process enforces the limit exactly, and several
admit together at most what the others counted in their last interval and had not added
yet. Once a window is over the limit, its hits are refused here until it ends.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

# Add a batch of hits; the window starts with the first (or on a counter without
# expiry). Answers the count and the window's milliseconds left.
_ADD = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
end
return {count, ttl}
"""
_MAX_WINDOWS = 10_000  # past this many keys, the windows that ended are dropped


@dataclass(slots=True)
class _Window:
    ends: float  # on this process's monotonic clock
    counted: int  # the key's count in Redis, as last read
    flushed_at: float
    pending: int = 0  # this process's hits not added yet


class RedisKeyRateLimiter:
    def __init__(
        self,
        redis: Redis,
        limit: int,
        window_seconds: int,
        prefix: str = "herald:rl:key:",
        flush_seconds: float = 0.05,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._add = redis.register_script(_ADD)
        self._limit = limit
        self._window_ms = window_seconds * 1000
        self._prefix = prefix
        self._flush = flush_seconds
        self._now = monotonic
        self._windows: dict[str, _Window] = {}

    async def hit(self, key: str) -> int | None:
        now = self._now()
        window = self._windows.get(key)
        if window is not None and now < window.ends:
            if window.counted > self._limit:
                return max(1, math.ceil(window.ends - now))
            known = window.counted + window.pending
            if known < self._limit and now - window.flushed_at < self._flush:
                window.pending += 1
                return None
        else:
            window = self._new_window(key, now)
        hits, window.pending = window.pending + 1, 0  # hits meanwhile wait for the next add
        try:
            count, left_ms = await self._add(
                keys=[self._prefix + key], args=[hits, self._window_ms]
            )
        except BaseException:
            window.pending += hits  # not added: the next add carries them
            raise
        now, left = self._now(), int(left_ms) / 1000
        window.counted, window.ends, window.flushed_at = int(count), now + left, now
        if window.counted > self._limit:
            return max(1, math.ceil(left))
        return None

    def _new_window(self, key: str, now: float) -> _Window:
        if len(self._windows) >= _MAX_WINDOWS:
            self._windows = {k: w for k, w in self._windows.items() if w.ends > now}
        # Until Redis answers, when it ends is unknown: hits meanwhile count here.
        window = self._windows[key] = _Window(ends=math.inf, counted=0, flushed_at=now)
        return window
