"""Ports of the delivery engine: handing due notifications to workers, and waking the
scheduler when new work is due sooner than it planned to look."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID


class SendQueue(Protocol):
    async def enqueue(self, ids: Sequence[UUID]) -> None:
        """Hand these (queued) notifications to a worker; delivered at least once."""
        ...


class SchedulerWakeup(Protocol):
    async def notify(self, due_at: datetime) -> None:
        """Work is due at `due_at`; best effort (the scheduler also polls)."""
        ...
