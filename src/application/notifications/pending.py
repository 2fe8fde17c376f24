import heapq
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from application.ports.notifications import Claimed


class PendingSends:
    """The scheduler's in-memory buffer of claimed notifications that are not due yet,
    earliest first, and when it has to look into the database again.

    Losing it (a crash) loses nothing: its rows are queued and leased in the database,
    and the recovery sweep re-schedules them when the lease ends.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, UUID]] = []
        self.refill_at: datetime | None = None  # None: at the next round

    def add(self, claimed: Iterable[Claimed]) -> None:
        for c in claimed:
            heapq.heappush(self._heap, (c.due_at, c.id))

    def pop_due(self, now: datetime) -> list[UUID]:
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[1])
        return due

    def count_due(self, now: datetime) -> int:
        return sum(1 for due_at, _ in self._heap if due_at <= now)

    def next_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
