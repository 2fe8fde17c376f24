from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.tickets import Ticket, TicketEvent, TicketFilter


class TicketRepository(Protocol):
    """Tickets and their timelines. A ticket's events go with it; an erased requester
    leaves the ticket without one (`requester_id` None)."""

    async def next_number(self) -> int:
        """The next ticket number: increasing from 1, never the same twice, even for two
        transactions at once. A number a rolled-back transaction took may be given
        again (SQLite's counter) or skipped (PostgreSQL's sequence, which lets two
        transactions take numbers without waiting for each other)."""
        ...

    async def add(self, ticket: Ticket) -> None: ...

    async def update(self, ticket: Ticket, seen: datetime) -> bool:
        """Store the ticket's new status, priority, assignee and times, if it is still as
        it was read (its `updated_at` is `seen`); False, storing nothing, when another
        change came first."""
        ...

    async def get(self, number: int) -> Ticket | None: ...

    async def latest_active_of(self, requester_id: UUID) -> Ticket | None:
        """The requester's newest ticket that is new, open or pending, if any."""
        ...

    async def find(self, where: TicketFilter, before: int | None, limit: int) -> list[Ticket]:
        """Up to `limit` tickets matching `where`, newest (highest number) first, those
        numbered below `before` (None: from the newest)."""
        ...

    async def solved_before(self, cutoff: datetime, limit: int) -> list[Ticket]:
        """Up to `limit` solved tickets whose `solved_at` is before `cutoff`, oldest first."""
        ...

    async def add_event(self, event: TicketEvent) -> None: ...

    async def events(self, ticket_id: UUID) -> list[TicketEvent]:
        """The ticket's timeline, oldest first."""
        ...


class LandbotError(Exception):
    """Landbot did not take a message."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LandbotRejected(LandbotError):
    """Permanent: trying again changes nothing (a bad token, an unknown customer)."""


class LandbotUnavailable(LandbotError):
    """Transient: Landbot was busy, failing or unreachable; the same message may go later."""

    def __init__(
        self, message: str, status: int | None = None, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(message, status)
        self.retry_after_seconds = retry_after_seconds


class LandbotMessenger(Protocol):
    """A text into a customer's Landbot chat."""

    async def send_text(self, customer_id: str, text: str) -> None:
        """Raises LandbotRejected or LandbotUnavailable when Landbot did not take it."""
        ...


class LandbotOutbox(Protocol):
    """Hands a text for a Landbot customer to a task, so that no request waits on
    Landbot; a no-op when no Landbot API token is configured."""

    @property
    def enabled(self) -> bool: ...

    async def send_text(self, customer_id: str, text: str) -> None: ...
