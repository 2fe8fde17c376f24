"""Fakes for use-case tests: a settable clock, a cheap, deterministic password hasher and
delivery metrics that record what they are told, and a point store that records what it
was given."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from adapters.memory.datapoints import InMemoryDataPointRepository
from application.ports.notifications import AttemptOutcome
from domain.datapoints import DataPoint
from domain.notifications import Status
from domain.preferences import Channel


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


class RecordingMetrics:
    """DeliveryMetrics and DispatchMetrics that keep every report, in order."""

    def __init__(self) -> None:
        self.attempts: list[tuple[Channel, AttemptOutcome]] = []
        self.provider_errors: list[tuple[str, str | None]] = []
        self.lateness: list[tuple[Channel, float]] = []
        self.ended: list[tuple[Channel, Status]] = []
        self.lags: list[float] = []
        self.due: list[int] = []

    def attempt_ended(self, channel: Channel, outcome: AttemptOutcome) -> None:
        self.attempts.append((channel, outcome))

    def provider_failed(self, provider: str, code: str | None) -> None:
        self.provider_errors.append((provider, code))

    def accepted_late(self, channel: Channel, seconds: float) -> None:
        self.lateness.append((channel, seconds))

    def delivery_ended(self, channel: Channel, status: Status) -> None:
        self.ended.append((channel, status))

    def handed_over(self, late_by_seconds: float) -> None:
        self.lags.append(late_by_seconds)

    def due_counted(self, count: int) -> None:
        self.due.append(count)


class RecordingPoints(InMemoryDataPointRepository):
    """The in-memory store, remembering every point handed to add_many, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[DataPoint] = []

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        self.added += points
        return await super().add_many(points)
