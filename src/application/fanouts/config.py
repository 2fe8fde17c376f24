from dataclasses import dataclass
from datetime import timedelta
from math import ceil


@dataclass(frozen=True, slots=True)
class FanoutConfig:
    """Knobs of the expansion (from settings)."""

    batch: int = 1000  # subscribers read and notified per transaction
    parts: int = 4  # slices of the subscribers expanded side by side (1 on SQLite)
    lease: timedelta = timedelta(seconds=10)  # a part not advanced for this long is re-queued
    # Below this many subscribers a slice of its own costs more (a task, a lease, its
    # statements) than expanding side by side saves: a ticket's staff topic, a handful
    # of agents, is one part, not four.
    per_part: int = 5000

    def parts_for(self, subscribers: int) -> int:
        """How many slices a fan-out to `subscribers` is expanded in (0 for nobody)."""
        return min(self.parts, ceil(subscribers / self.per_part))
