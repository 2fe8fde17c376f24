"""Fakes for use-case tests: a settable clock, a cheap, deterministic password hasher,
senders that refuse as scripted, a scheduler wake-up, delivery metrics that record what
they are told, a scripted upstream source and a point store that records what it was
given."""

import enum
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.memory.datapoints import InMemoryDataPointRepository
from adapters.memory.transactions import MemoryStore
from application.ports.notifications import (
    AttemptOutcome,
    DeliveryError,
    EmailMessage,
    PermanentDeliveryError,
    RecipientOptedOut,
    SendReceipt,
    SmsMessage,
    TransientDeliveryError,
)
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


class Refusal(enum.Enum):
    """What a provider may answer instead of accepting a message."""

    RATE_LIMITED = "rate limited"  # HTTP 429 with Retry-After
    SERVER_ERROR = "server error"  # HTTP 500
    UNAVAILABLE = "unavailable"  # HTTP 503
    TIMEOUT = "timeout"  # no answer in time
    INVALID_RECIPIENT = "invalid recipient"  # a number or address it refuses for good
    OPTED_OUT = "opted out"  # the recipient said STOP (SMS only)


# The codes each real adapter reports for these answers (the sender contract suites check
# the real ones against the same table); None where no answer came.
_CODES: dict[str, dict[Refusal, str | None]] = {
    "twilio": {
        Refusal.RATE_LIMITED: "20429",
        Refusal.SERVER_ERROR: "20500",
        Refusal.UNAVAILABLE: "20503",
        Refusal.TIMEOUT: None,
        Refusal.INVALID_RECIPIENT: "21211",
        Refusal.OPTED_OUT: "21610",
    },
    "sendgrid": {
        Refusal.RATE_LIMITED: "429",
        Refusal.SERVER_ERROR: "500",
        Refusal.UNAVAILABLE: "503",
        Refusal.TIMEOUT: None,
        Refusal.INVALID_RECIPIENT: "400",
    },
    # SMTP's reply codes; it has no rate-limit answer that says when to retry.
    "smtp": {
        Refusal.SERVER_ERROR: "451",
        Refusal.UNAVAILABLE: "421",
        Refusal.TIMEOUT: None,
        Refusal.INVALID_RECIPIENT: "550",
    },
}


class ScriptedSender:
    """An SmsSender or EmailSender that accepts every message unless a refusal is
    scripted for its recipient; it raises for a refusal what the real adapter of
    `provider` raises for that answer. `crash` scripts an adapter bug instead."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.sent: list[SmsMessage | EmailMessage] = []
        self.receipts: list[SendReceipt] = []
        self._script: dict[str, list[Exception]] = {}

    def refuse(
        self, to: str, refusal: Refusal, *, retry_after: float = 1.0, times: int = 1
    ) -> None:
        """The next `times` sends to `to` are refused this way; a rate limit asks to wait
        `retry_after` seconds."""
        if refusal not in _CODES[self.provider]:
            raise ValueError(f"{self.provider} never answers {refusal.value}")
        self._script.setdefault(to, []).extend(
            self._error(refusal, retry_after) for _ in range(times)
        )

    def crash(self, to: str, error: Exception) -> None:
        """The next send to `to` fails with `error`, as a bug in an adapter would."""
        self._script.setdefault(to, []).append(error)

    def _error(self, refusal: Refusal, retry_after: float) -> DeliveryError:
        code = _CODES[self.provider][refusal]
        text = f"{self.provider}: {refusal.value}"
        match refusal:
            case Refusal.RATE_LIMITED:
                return TransientDeliveryError(text, code=code, retry_after_seconds=retry_after)
            case Refusal.SERVER_ERROR | Refusal.UNAVAILABLE | Refusal.TIMEOUT:
                return TransientDeliveryError(text, code=code)
            case Refusal.OPTED_OUT:
                return RecipientOptedOut(text, code=code)
            case Refusal.INVALID_RECIPIENT:
                return PermanentDeliveryError(text, code=code)

    async def send(self, message: SmsMessage | EmailMessage) -> SendReceipt:
        if scripted := self._script.get(message.to):
            raise scripted.pop(0)
        self.sent.append(message)
        self.receipts.append(SendReceipt(self.provider, f"{self.provider}-{len(self.sent)}"))
        return self.receipts[-1]


class RecordingWakeup:
    """The scheduler's wake-up: remembers each due time it was told of."""

    def __init__(self) -> None:
        self.due: list[datetime] = []

    async def notify(self, due_at: datetime) -> None:
        self.due.append(due_at)


class RecordingFanoutQueue:
    """The expansion queue: remembers each (fan-out, part) it was handed."""

    def __init__(self) -> None:
        self.parts: list[tuple[UUID, int]] = []

    async def expand(self, fanout_id: UUID, part: int) -> None:
        self.parts.append((fanout_id, part))


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


class ScriptedSource:
    """Answers each fetch with the next scripted document (the last one again and again),
    or raises it if an exception."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def fetch(self) -> object:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class RecordingPoints(InMemoryDataPointRepository):
    """The in-memory store, remembering every point handed to add_many, in order."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        super().__init__(store)
        self.added: list[DataPoint] = []

    async def add_many(self, points: Sequence[DataPoint]) -> int:
        self.added += points
        return await super().add_many(points)


class RecordingLeadQueue:
    """The leads' queue of use-case tests: the keys of Landbot messages handed to workers."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def enqueue(self, key: str) -> None:
        self.keys.append(key)


class RecordingInboundQueue:
    """The inbound queue of use-case tests: the MessageSids handed to workers."""

    def __init__(self) -> None:
        self.sids: list[str] = []

    async def enqueue(self, message_sid: str) -> None:
        self.sids.append(message_sid)
