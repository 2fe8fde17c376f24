"""SMS subscriptions: a phone's double opt-in to a program's updates, and the
conversation that carries it.

    pending -> active -> unsubscribed
    pending -> declined | expired | unsubscribed (STOP before confirming)
    unsubscribed | declined | expired -> active (START: the carrier rule re-subscribes)

Compliance keywords (CTIA) are decided here, before any language model sees a message,
and no model can override them.
"""

from __future__ import annotations

import enum
import string
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import Conflict, InvalidValue

PROGRAM_MAX = 100
INBOUND_BODY_MAX = 1600  # Twilio's longest message (10 segments of 160)


class Status(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    DECLINED = "declined"
    EXPIRED = "expired"

    @property
    def is_live(self) -> bool:
        """Pending or active: the phone's one subscription to its program."""
        return self in (Status.PENDING, Status.ACTIVE)


_MOVES: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset(
        {Status.ACTIVE, Status.DECLINED, Status.EXPIRED, Status.UNSUBSCRIBED}
    ),
    Status.ACTIVE: frozenset({Status.UNSUBSCRIBED}),
    Status.UNSUBSCRIBED: frozenset({Status.ACTIVE}),
    Status.DECLINED: frozenset({Status.ACTIVE}),
    Status.EXPIRED: frozenset({Status.ACTIVE}),
}


def can_move(current: Status, target: Status) -> bool:
    return target in _MOVES[current]


class Intent(enum.StrEnum):
    """What a reply means, as a classifier (or a keyword) understood it."""

    AFFIRM = "affirm"
    DENY = "deny"
    STOP = "stop"
    START = "start"
    HELP = "help"
    OTHER = "other"


class Keyword(enum.StrEnum):
    """The compliance keywords' three meanings."""

    STOP = "stop"
    START = "start"
    HELP = "help"


STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
YES = "YES"
_TRIM = string.whitespace + string.punctuation + "¡¿"


def normalized_word(body: str) -> str:
    """The message as a keyword: surrounding blanks and punctuation trimmed, upper case."""
    return body.strip(_TRIM).upper()


def compliance_keyword(body: str, *, pending: bool) -> Keyword | None:
    """The keyword a message is exactly (any case, punctuation around it trimmed), or
    None. YES opts back in like START, but only when nothing is pending: then it is the
    confirmation, which the conversation decides."""
    word = normalized_word(body)
    if word in STOP_WORDS:
        return Keyword.STOP
    if word in START_WORDS or (word == YES and not pending):
        return Keyword.START
    if word in HELP_WORDS:
        return Keyword.HELP
    return None


def program_name(raw: str) -> str:
    name = raw.strip()
    if not 1 <= len(name) <= PROGRAM_MAX or not name.isprintable():
        raise InvalidValue(f"must be 1 to {PROGRAM_MAX} printable characters")
    return name


def inbound_body(raw: str) -> str:
    if len(raw) > INBOUND_BODY_MAX:
        raise InvalidValue(f"must be at most {INBOUND_BODY_MAX} characters")
    if "\x00" in raw:
        raise InvalidValue("must not contain NUL characters")
    return raw


# The ITU country calling codes of one or two digits; every other code has three. The
# codes form a prefix code, so a number's first digits name its country unambiguously.
_SHORT_CODES = frozenset(
    {
        "1",
        "7",
        "20",
        "27",
        "30",
        "31",
        "32",
        "33",
        "34",
        "36",
        "39",
        "40",
        "41",
        "43",
        "44",
        "45",
        "46",
        "47",
        "48",
        "49",
        "51",
        "52",
        "53",
        "54",
        "55",
        "56",
        "57",
        "58",
        "60",
        "61",
        "62",
        "63",
        "64",
        "65",
        "66",
        "81",
        "82",
        "84",
        "86",
        "90",
        "91",
        "92",
        "93",
        "94",
        "95",
        "98",
    }
)


def country_code(e164: str) -> str:
    """The country calling code of an E.164 number (`+447...` -> `44`)."""
    digits = e164.lstrip("+")
    for size in (1, 2):
        if digits[:size] in _SHORT_CODES:
            return digits[:size]
    return digits[:3]


@dataclass(frozen=True, slots=True)
class StateChange:
    """One move of a subscription, for its conversation."""

    subscription_id: UUID
    from_status: Status | None  # None: created
    to_status: Status
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Subscription:
    id: UUID
    phone: str  # E.164
    program: str
    recipient_id: UUID
    user_id: UUID | None  # the user who subscribed it; None when an API key did
    status: Status
    created_at: datetime
    updated_at: datetime
    expires_at: datetime  # a pending subscription expires then, unconfirmed
    confirmation_sent_at: datetime  # the last confirmation SMS, for the resend rule

    @classmethod
    def new(
        cls,
        id: UUID,
        phone: str,
        program: str,
        recipient_id: UUID,
        user_id: UUID | None,
        now: datetime,
        ttl: timedelta,
    ) -> tuple[Subscription, StateChange]:
        made = cls(
            id, phone, program, recipient_id, user_id, Status.PENDING, now, now, now + ttl, now
        )
        return made, StateChange(id, None, Status.PENDING, now, "subscribed")

    def move(self, target: Status, now: datetime, reason: str) -> tuple[Subscription, StateChange]:
        """The subscription in `target`, and the change to record; Conflict when the
        state machine forbids the move."""
        if not can_move(self.status, target):
            raise Conflict(f"a subscription that is {self.status} cannot become {target}")
        moved = replace(self, status=target, updated_at=now)
        return moved, StateChange(self.id, self.status, target, now, reason)

    def is_expired(self, now: datetime) -> bool:
        return self.status is Status.PENDING and now >= self.expires_at

    def may_resend(self, now: datetime, every: timedelta) -> bool:
        """The confirmation of a pending subscription goes again at most once per `every`."""
        return now - self.confirmation_sent_at >= every

    def resent(self, now: datetime) -> Subscription:
        return replace(self, confirmation_sent_at=now, updated_at=now)


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageKind(enum.StrEnum):
    """Why Herald texted: the template each outbound message comes from."""

    CONFIRMATION = "confirmation"
    HELP = "help"
    UNSUBSCRIBED = "unsubscribed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    REPROMPT = "reprompt"
    UPDATE = "update"


@dataclass(frozen=True, slots=True)
class ConversationMessage:
    """A message of a subscription's conversation. Inbound: what the phone sent, and how
    Herald understood it (`intent`, `confidence`, `classifier`: `keyword`, `local`,
    `rasa`). Outbound: the notification that carries it (its status is the engine's)."""

    subscription_id: UUID
    direction: Direction
    body: str
    at: datetime
    kind: MessageKind | None = None  # outbound
    notification_id: UUID | None = None  # outbound
    message_sid: str | None = None  # inbound
    intent: Intent | None = None  # inbound
    confidence: float | None = None  # inbound
    classifier: str | None = None  # inbound


@dataclass(frozen=True, slots=True)
class InboundSms:
    """A message a phone sent, stored as received before anything acts on it (Twilio
    retries, so `message_sid` is its identity)."""

    message_sid: str
    from_phone: str
    to_phone: str
    body: str
    received_at: datetime
    processed_at: datetime | None = None
    requeues: int = 0  # times handed to a worker again after its task was lost
