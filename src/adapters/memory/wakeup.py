"""The dispatcher's wake-up within one process (the embedded default)."""

import asyncio
from datetime import datetime

from application.ports.clock import Clock


class InProcessWakeup:
    """Both sides of the wake-up: `notify` sets an event the dispatcher's `wait` ends on."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._event = asyncio.Event()

    async def notify(self, due_at: datetime) -> None:
        self._event.set()

    async def start(self) -> None:
        return None  # listening from the start: the event keeps a notify until a wait

    async def wait(self, until: datetime) -> bool:
        seconds = (until - self._clock.now()).total_seconds()
        try:
            await asyncio.wait_for(self._event.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return False
        finally:
            self._event.clear()
        return True

    async def close(self) -> None:
        return None
