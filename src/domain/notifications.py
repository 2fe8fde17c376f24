"""Notifications and their delivery state machine.

    scheduled -> queued -> sending -> sent -> delivered
    (any live state) -> failed;  scheduled|queued -> canceled

Statuses only move forward, so a late "sent" callback never overwrites "delivered".
Two moves go back on purpose and only from inside the engine: a failed attempt that
may succeed later (sending -> scheduled, with a later due time), and the recovery of
work whose lease ran out (queued|sending -> scheduled).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import Conflict, InvalidValue
from domain.preferences import Channel

TITLE_MAX = 200
TEXT_MAX = 10_000
IDEMPOTENCY_KEY_MAX = 255


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_final(self) -> bool:
        return self in FINAL


FINAL = frozenset({Status.DELIVERED, Status.FAILED, Status.CANCELED})
_RANK = {
    Status.SCHEDULED: 0,
    Status.QUEUED: 1,
    Status.SENDING: 2,
    Status.SENT: 3,
    Status.DELIVERED: 4,
    Status.FAILED: 5,
    Status.CANCELED: 5,
}


def can_advance(current: Status, target: Status) -> bool:
    """Forward moves only; nothing leaves a final state; only unsent work is canceled."""
    if current.is_final or current is target:
        return False
    if target is Status.CANCELED:
        return current in (Status.SCHEDULED, Status.QUEUED)
    return _RANK[target] > _RANK[current]


def predecessors(target: Status) -> frozenset[Status]:
    """The statuses from which `target` may be reached (for conditional updates)."""
    return frozenset(s for s in Status if can_advance(s, target))


@dataclass(frozen=True, slots=True)
class NotificationEvent:
    notification_id: UUID
    status: Status
    at: datetime
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    id: UUID
    user_id: UUID | None  # the recipient's account, if it has one
    created_by: UUID | None  # the user who made it; None when an API key did
    channel: Channel
    to: str
    title: str | None
    text: str
    sendtime: datetime  # what the user asked for (or the creation time for "now")
    due_at: datetime  # when the next attempt is due; moves on retries
    status: Status
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    provider: str | None = None
    provider_message_id: str | None = None
    last_error_code: str | None = None
    last_error: str | None = None
    recipient_id: UUID | None = None  # the recipient it goes to
    group_id: UUID | None = None  # one per POST, shared by its channels; None: its own id
    html: str | None = None  # an email's HTML part, rendered from a template
    fanout_id: UUID | None = None  # the topic's fan-out that made it

    @property
    def sms_body(self) -> str:
        """What an SMS carries: the title on its own line, then the text."""
        return f"{self.title}\n{self.text}" if self.title else self.text

    @property
    def group(self) -> UUID:
        return self.group_id or self.id

    def involves(self, user_id: UUID) -> bool:
        return user_id in (self.user_id, self.created_by)

    def defer(self, until: datetime) -> Notification:
        """Due at `until` instead (the end of the recipient's quiet hours)."""
        return replace(self, due_at=until)

    def advance(self, target: Status, now: datetime) -> Notification:
        if not can_advance(self.status, target):
            raise Conflict(f"a {self.status} notification cannot become {target}")
        return replace(self, status=target, updated_at=now)

    def cancel(self, now: datetime) -> Notification:
        if not can_advance(self.status, Status.CANCELED):
            raise Conflict(
                f"the notification is already {self.status}; only scheduled ones can be canceled"
            )
        return self.advance(Status.CANCELED, now)


def parse_sendtime(raw: str | None, now: datetime) -> datetime:
    """ISO 8601 with an offset; missing or in the past means now."""
    if raw is None:
        return now
    try:
        value = datetime.fromisoformat(raw.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidValue(
            "must be an ISO 8601 date-time, e.g. 2026-11-21T15:47:30-07:00"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(
            "must include a UTC offset (e.g. 2026-11-21T15:47:30-07:00 or ...Z); a time "
            "without one is ambiguous"
        )
    return max(value.astimezone(now.tzinfo), now)


def idempotency_key(raw: str) -> str:
    """An Idempotency-Key: 1 to 255 printable ASCII characters."""
    if not (1 <= len(raw) <= IDEMPOTENCY_KEY_MAX and raw.isprintable() and raw.isascii()):
        raise InvalidValue(f"must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters")
    return raw


def deferred_detail(due: datetime, quiet_hours: object, until: datetime) -> str:
    """The first history line of a notification held for its recipient's quiet hours."""
    return (
        f"due {due.isoformat()}, inside the recipient's quiet hours "
        f"({quiet_hours}): deferred until {until.isoformat()}"
    )


def check_title(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    if len(raw) > TITLE_MAX:
        raise InvalidValue(f"must be at most {TITLE_MAX} characters")
    return refuse_nul(raw.strip())


def check_text(raw: str) -> str:
    if not raw.strip():
        raise InvalidValue("must not be empty")
    if len(raw) > TEXT_MAX:
        raise InvalidValue(f"must be at most {TEXT_MAX} characters")
    return refuse_nul(raw)


def refuse_nul(text: str) -> str:
    if "\x00" in text:
        raise InvalidValue("must not contain NUL characters")
    return text


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter in [50%, 100%] of the step, capped."""

    max_attempts: int = 5
    base_seconds: float = 1.0
    cap_seconds: float = 300.0

    def next_delay(
        self, attempts: int, random: Callable[[], float], retry_after: float | None = None
    ) -> timedelta | None:
        """Delay before the next attempt, or None when `attempts` used them all up."""
        if attempts >= self.max_attempts:
            return None
        step = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        delay = step * (0.5 + random() / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap_seconds))
        return timedelta(seconds=delay)
