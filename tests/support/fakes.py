"""Fakes for use-case tests: a settable clock, a cheap, deterministic password hasher and
a point store that records what it was given."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from adapters.memory.datapoints import InMemoryDataPointRepository
from domain.datapoints import DataPoint


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakePasswordHasher:
    """'hash:v<version>:<password>'; bumping `version` makes old hashes need a rehash."""

    def __init__(self) -> None:
        self.version = 1
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return f"hash:v{self.version}:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return password_hash.split(":", 2)[2] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"hash:v{self.version}:")

    async def waste_time(self, password: str) -> None:
        self.verifications += 1


class RecordingPoints(InMemoryDataPointRepository):
    """The in-memory store, remembering every point handed to add_many, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[DataPoint] = []

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        self.added += points
        return await super().add_many(points)
