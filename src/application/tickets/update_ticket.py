from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from application.events import DomainEvents
from application.policy import require_staff
from application.ports.accounts import UserRepository
from application.ports.clock import Clock
from application.ports.tickets import TicketRepository
from application.ports.transactions import TransactionManager
from application.tickets.config import TicketsConfig
from application.tickets.customers import CustomerReach, Telling
from application.tickets.find import find_ticket, store_change
from domain.accounts import User, Username
from domain.errors import FieldErrors, NotFound
from domain.tickets import (
    EventKind,
    IllegalMove,
    Priority,
    Ticket,
    TicketAssigned,
    TicketEvent,
    TicketStatus,
    new_event_id,
    priority,
    status,
)


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()  # a field left out of the PATCH: unchanged


@dataclass(frozen=True, slots=True)
class UpdateTicketCommand:
    requester: User
    number: int
    status: str | None = None
    priority: str | None = None
    assignee: str | _Keep | None = KEEP  # a username; None: unassigned


class UpdateTicket:
    """Change a ticket's status, priority or assignee (a PATCH: what is left out stays).
    Agents and admins. The status moves as the state machine allows (`new -> open ->
    pending -> solved -> closed`, `pending -> open`, `solved -> open`; anything else,
    and any change of a closed ticket, is refused with 409); the assignee is an enabled
    agent or admin, by username (NotFound otherwise), or null to unassign. Each change is a
    timeline entry by the requester. Once committed: a new assignee other than the
    requester is told (`TicketAssigned`), and a ticket that became solved tells its
    customer, by email and in their Landbot chat when they came from Landbot. A ticket
    another change reached first, since it was read, is a Conflict: nothing is stored."""

    def __init__(
        self,
        tickets: TicketRepository,
        users: UserRepository,
        reach: CustomerReach,
        events: DomainEvents,
        clock: Clock,
        tx: TransactionManager,
        config: TicketsConfig,
    ) -> None:
        self._tickets = tickets
        self._users = users
        self._reach = reach
        self._events = events
        self._clock = clock
        self._tx = tx
        self._window = config.reopen_window

    async def __call__(self, cmd: UpdateTicketCommand) -> Ticket:
        require_staff(cmd.requester)
        errors = FieldErrors()
        to = None if cmd.status is None else errors.check("status", status, cmd.status)
        level = None if cmd.priority is None else errors.check("priority", priority, cmd.priority)
        name: str | _Keep | None = cmd.assignee
        if isinstance(cmd.assignee, str):
            name = errors.check("assignee", _username, cmd.assignee)
        errors.raise_if_any()
        ticket = await find_ticket(self._tickets, cmd.number)
        if ticket.status is TicketStatus.CLOSED and _changes(ticket, to, level, name):
            raise IllegalMove(f"ticket #{ticket.number} is closed: open a new ticket")
        if isinstance(name, str):
            await self._check_assignee(name)
        now = self._clock.now()
        author = cmd.requester.username.value
        changed = ticket
        if to is not None and to is not ticket.status:
            changed = changed.move(to, now)
            await self._event(ticket, EventKind.STATUS, author, now, ticket.status, to)
        if level is not None and level is not ticket.priority:
            changed = replace(changed, priority=level, updated_at=now)
            await self._event(ticket, EventKind.PRIORITY, author, now, ticket.priority, level)
        assigned = None
        if not isinstance(name, _Keep) and name != ticket.assignee:
            changed = replace(changed, assignee=name, updated_at=now)
            await self._event(ticket, EventKind.ASSIGNMENT, author, now, ticket.assignee, name)
            if name is not None and name != author:
                assigned = TicketAssigned(ticket.id, ticket.number, ticket.subject, name, author)
        if changed == ticket:
            return ticket
        telling: Telling | None = None
        if changed.status is TicketStatus.SOLVED and ticket.status is not TicketStatus.SOLVED:
            telling = await self._reach.prepare(
                changed, self._solved_text(changed), f"ticket:{ticket.id}:solved:{now.isoformat()}"
            )
        await store_change(self._tickets, changed, ticket)
        await self._tx.commit()
        if assigned is not None:
            await self._events.record(assigned)
        await self._reach.tell(telling)
        await self._tx.commit()
        return changed

    async def _check_assignee(self, name: str) -> None:
        user = await self._users.get_by_username(Username(name))
        if user is None or user.disabled or not user.is_staff:
            raise NotFound(f"no enabled agent or admin is named {name!r}")

    async def _event(
        self,
        ticket: Ticket,
        kind: EventKind,
        author: str,
        now: datetime,
        old: str | None,
        new: str | None,
    ) -> None:
        await self._tickets.add_event(
            TicketEvent(new_event_id(), ticket.id, kind, author, now, old=old, new=new)
        )

    def _solved_text(self, ticket: Ticket) -> str:
        days = self._window.days
        return (
            f"Your request #{ticket.number} ({ticket.subject}) is solved. If it is not, "
            f"reply within {days} days and we will pick it up again."
        )


def _changes(
    ticket: Ticket, to: TicketStatus | None, level: Priority | None, name: str | _Keep | None
) -> bool:
    return (
        (to is not None and to is not ticket.status)
        or (level is not None and level is not ticket.priority)
        or (not isinstance(name, _Keep) and name != ticket.assignee)
    )


def _username(raw: str) -> str:
    return Username(raw).value
