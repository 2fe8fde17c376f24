from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class FanoutConfig:
    """Knobs of the expansion (from settings)."""

    batch: int = 1000  # subscribers read and notified per transaction
    parts: int = 4  # slices of the subscribers expanded side by side (1 on SQLite)
    lease: timedelta = timedelta(seconds=10)  # a part not advanced for this long is re-queued
