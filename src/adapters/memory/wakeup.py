"""The wake-up signal of the dispatcher loop, within one process."""

import asyncio
from datetime import datetime


class InProcessWakeup:
    """The scheduler loop waits on this; `notify` wakes it when new work is due sooner."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    async def notify(self, due_at: datetime) -> None:
        self._event.set()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> bool:
        """True when woken, False on timeout."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return False
        finally:
            self._event.clear()
        return True

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
