"""Support tickets: a customer's request for help, worked by the staff through a status
machine taken from the helpdesks people use (Zendesk, Freshdesk, Zammad), with a
timeline of comments, status changes and assignments."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import NUL_MESSAGE, Conflict, InvalidValue
from domain.ids import MonotonicIds
from domain.topics import Topic

SUBJECT_MAX = 200
BODY_MAX = 9_900  # so that an email of it, with who wrote it, stays within a notification's
# What JSON Schema's `\s` (ECMAScript's) calls blank: the schema's NOT_BLANK and these
# checks agree on what a blank text is.
_BLANKS = (
    " \t\n\v\f\r\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
TOPIC_MAX = 40
_TOPIC = re.compile(r"[a-z0-9_-]{1,40}")
DEFAULT_TOPICS = ("sales", "support", "billing")
# The topics (in the topics capability's sense) the staff are notified on.
TOPIC_PREFIX = "tickets."
URGENT_TOPIC = "tickets.urgent"


class TicketStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting for the customer
    SOLVED = "solved"
    CLOSED = "closed"  # final


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# The moves an agent may make; a customer's reply makes its own (Ticket.customer_replied).
# Solved -> closed is the auto-close's after the reopen window, and an agent's at once
# (as in Freshdesk and Zammad; a closed ticket takes no reply).
_MOVES: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.SOLVED}),
    TicketStatus.SOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


class IllegalMove(Conflict):
    """A status change the state machine refuses (409)."""


def can_move(old: TicketStatus, new: TicketStatus) -> bool:
    return new in _MOVES[old]


def ticket_topic(raw: str, allowed: Sequence[str]) -> str:
    """One of the configured ticket topics."""
    if raw not in allowed:
        raise InvalidValue(f"must be one of: {', '.join(allowed)}")
    return raw


def topic_name(raw: str) -> str:
    """A configured ticket topic's name: 1-40 of a-z, 0-9, `_` and `-`."""
    if not _TOPIC.fullmatch(raw) or raw == "urgent":
        raise InvalidValue("must be 1-40 of a-z, 0-9, _ and -, and not 'urgent'")
    return raw


def subject(raw: str) -> str:
    """1-200 characters, not only blanks, no NUL; surrounding blanks removed."""
    text = raw.strip(_BLANKS)
    if not 1 <= len(text) <= SUBJECT_MAX:
        raise InvalidValue(f"must be 1 to {SUBJECT_MAX} characters, not only blanks")
    if "\x00" in text:
        raise InvalidValue(NUL_MESSAGE)
    return text


def body(raw: str) -> str:
    """1-9,900 characters, not only blanks, no NUL."""
    if not raw.strip(_BLANKS):
        raise InvalidValue("must not be empty")
    if len(raw) > BODY_MAX:
        raise InvalidValue(f"must be at most {BODY_MAX} characters")
    if "\x00" in raw:
        raise InvalidValue(NUL_MESSAGE)
    return raw


def priority(raw: str) -> Priority:
    try:
        return Priority(raw)
    except ValueError:
        raise InvalidValue(f"must be one of: {', '.join(Priority)}") from None


def status(raw: str) -> TicketStatus:
    try:
        return TicketStatus(raw)
    except ValueError:
        raise InvalidValue(f"must be one of: {', '.join(TicketStatus)}") from None


def staff_topics(topic: str, level: Priority) -> tuple[str, ...]:
    """The topics a new ticket is announced on: its topic's, and the urgent one."""
    keys = (TOPIC_PREFIX + topic,)
    return (*keys, URGENT_TOPIC) if level is Priority.URGENT else keys


def staff_topic(key: str, now: datetime) -> Topic:
    """A staff topic as Herald makes it when missing: self-service, for agents to join."""
    name = (
        "Urgent tickets" if key == URGENT_TOPIC else f"New {key.removeprefix(TOPIC_PREFIX)} tickets"
    )
    return Topic(key, name, "New tickets, for the staff who handle them", True, now, now)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: UUID
    number: int  # sequential, for people: "#42"
    subject: str
    body: str
    topic: str
    priority: Priority
    status: TicketStatus
    requester_id: UUID | None  # the customer's recipient; None once it was erased
    assignee: str | None  # an agent's or admin's username
    created_at: datetime
    updated_at: datetime
    solved_at: datetime | None = None  # when it last became solved

    def move(self, to: TicketStatus, now: datetime) -> Ticket:
        """An agent's status change; IllegalMove for one the machine does not allow."""
        if to is self.status:
            return self
        if not can_move(self.status, to):
            raise IllegalMove(f"a {self.status} ticket cannot become {to}")
        return self._now(to, now)

    def customer_replied(self, now: datetime, reopen_window: timedelta) -> Ticket:
        """The customer wrote: pending -> open, and solved -> open within the reopen
        window; new and open stay. A closed ticket, or one solved longer ago than the
        window, takes no reply (IllegalMove): the customer opens a new ticket."""
        if self.status is TicketStatus.PENDING:
            return self._now(TicketStatus.OPEN, now)
        if self.status is TicketStatus.SOLVED:
            if self.solved_at is not None and now - self.solved_at <= reopen_window:
                return self._now(TicketStatus.OPEN, now)
            raise IllegalMove(
                f"ticket #{self.number} was solved more than the reopen window ago: "
                "open a new ticket"
            )
        if self.status is TicketStatus.CLOSED:
            raise IllegalMove(f"ticket #{self.number} is closed: open a new ticket")
        return replace(self, updated_at=now)

    def close_if_expired(self, now: datetime, reopen_window: timedelta) -> Ticket | None:
        """The auto-close: a ticket solved longer ago than the window, closed; else None."""
        if self.status is not TicketStatus.SOLVED or self.solved_at is None:
            return None
        if now - self.solved_at <= reopen_window:
            return None
        return self._now(TicketStatus.CLOSED, now)

    def _now(self, to: TicketStatus, now: datetime) -> Ticket:
        solved_at = now if to is TicketStatus.SOLVED else self.solved_at
        return replace(self, status=to, updated_at=now, solved_at=solved_at)


class EventKind(enum.StrEnum):
    COMMENT = "comment"
    STATUS = "status"
    ASSIGNMENT = "assignment"
    PRIORITY = "priority"


CUSTOMER = None  # the author of a customer's comment (no username)
# Timeline ids grow strictly within a process, so entries made in one millisecond (a
# PATCH of status, priority and assignee) keep their order.
new_event_id = MonotonicIds()


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One entry of a ticket's timeline. A comment has `body` and `public`; a change has
    `old` and `new` (statuses, priorities or assignees' usernames; None: none)."""

    id: UUID  # time-ordered: the order of the timeline
    ticket_id: UUID
    kind: EventKind
    author: str | None  # a staff username; None: the customer, or Herald itself
    created_at: datetime
    body: str | None = None
    public: bool | None = None
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: TicketStatus | None = None
    topic: str | None = None
    assignee: str | None = None
    priority: Priority | None = None
    requester_id: UUID | None = None  # one customer's (a lead's)


# Domain events: other capabilities react (the staff's fan-out, the notifications).


@dataclass(frozen=True, slots=True)
class TicketOpened:
    """A new ticket: the staff of its topic are told (and of urgent ones, if urgent)."""

    ticket_id: UUID
    number: int
    subject: str
    topic: str
    priority: Priority
    topics: tuple[str, ...]  # the topics to announce it on

    @property
    def text(self) -> str:
        return f"New {self.priority} {self.topic} ticket #{self.number}: {self.subject}"


@dataclass(frozen=True, slots=True)
class TicketAssigned:
    """A ticket was given to `assignee` (a username), who is told."""

    ticket_id: UUID
    number: int
    subject: str
    assignee: str
    by: str

    @property
    def text(self) -> str:
        return f"{self.by} assigned ticket #{self.number} to you: {self.subject}"


@dataclass(frozen=True, slots=True)
class CustomerReplied:
    """The customer wrote on an assigned ticket: its assignee is told."""

    ticket_id: UUID
    number: int
    subject: str
    assignee: str
    reopened: bool  # the reply moved the ticket back to open

    @property
    def text(self) -> str:
        moved = " (open again)" if self.reopened else ""
        return f"The customer replied on ticket #{self.number}{moved}: {self.subject}"


@dataclass(frozen=True, slots=True)
class CustomerToldOfTicket:
    """What the customer is sent by email: a public comment, or that it was solved.
    `key` makes the notification once only."""

    ticket_id: UUID
    number: int
    subject: str
    requester_id: UUID
    text: str
    key: str

    @property
    def title(self) -> str:
        title = f"[#{self.number}] {self.subject}"
        return title if len(title) <= SUBJECT_MAX else title[: SUBJECT_MAX - 1] + "…"
