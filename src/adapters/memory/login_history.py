import time
from collections.abc import Callable


class InMemoryLoginHistory:
    """LoginHistory for one process (the embedded default and tests), bounded in size."""

    def __init__(
        self,
        window_seconds: float,
        remember_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        max_entries: int = 100_000,
    ) -> None:
        self._window = window_seconds
        self._remember = remember_seconds
        self._monotonic = monotonic
        self._max = max_entries
        self._failures: dict[str, tuple[float, int]] = {}
        self._known: dict[tuple[str, str], float] = {}

    async def failures(self, account: str) -> tuple[int, int]:
        now = self._monotonic()
        started, count = self._failures.get(account, (now, 0))
        if now - started >= self._window:
            return 0, 0
        return count, max(1, round(started + self._window - now)) if count else 0

    async def add_failure(self, account: str) -> None:
        now = self._monotonic()
        started, count = self._failures.get(account, (now, 0))
        if now - started >= self._window:
            started, count = now, 0
        self._failures[account] = (started, count + 1)
        if len(self._failures) > self._max:
            self._failures = {k: v for k, v in self._failures.items() if now - v[0] < self._window}

    async def knows(self, account: str, client: str) -> bool:
        seen = self._known.get((account, client))
        return seen is not None and self._monotonic() - seen < self._remember

    async def add_success(self, account: str, client: str) -> None:
        now = self._monotonic()
        self._known[(account, client)] = now
        if len(self._known) > self._max:
            self._known = {k: v for k, v in self._known.items() if now - v < self._remember}
