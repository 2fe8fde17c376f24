"""In-process scheduling adapters: a send queue that hands ids to a handler, and the
wake-up signal of the scheduler loop."""

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID


class InMemorySendQueue:
    """Runs `handler` for each batch in a background task (at-least-once, in one process).
    Without a handler it only records the batches (unit tests)."""

    def __init__(
        self, handler: Callable[[list[UUID]], Coroutine[Any, Any, object]] | None = None
    ) -> None:
        self._handler = handler
        self.batches: list[list[UUID]] = []
        self._tasks: set[asyncio.Task[object]] = set()

    async def enqueue(self, ids: Sequence[UUID]) -> None:
        batch = list(ids)
        if not batch:
            return
        self.batches.append(batch)
        if self._handler is not None:
            task: asyncio.Task[object] = asyncio.create_task(self._handler(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


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
