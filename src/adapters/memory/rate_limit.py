import math
import time
from collections.abc import Callable


class InMemoryRateLimiter:
    """Fixed-window counter per key, for one process (the embedded default and tests)."""

    def __init__(
        self, limit: int, window_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window_seconds
        self._monotonic = monotonic
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str) -> int | None:
        now = self._monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= self._window:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        if len(self._windows) > 100_000:  # bound memory under a flood of distinct keys
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self._window}
        if count > self._limit:
            return max(1, math.ceil(started + self._window - now))
        return None
