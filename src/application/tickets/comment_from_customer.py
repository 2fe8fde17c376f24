from dataclasses import dataclass
from uuid import UUID

from application.events import DomainEvents
from application.ports.clock import Clock
from application.ports.tickets import TicketRepository
from application.ports.transactions import TransactionManager
from application.tickets.config import TicketsConfig
from application.tickets.find import find_ticket, store_change
from domain.errors import FieldErrors, NotFound
from domain.tickets import (
    CUSTOMER,
    CustomerReplied,
    EventKind,
    Ticket,
    TicketEvent,
    body,
    new_event_id,
)


@dataclass(frozen=True, slots=True)
class CommentFromCustomerCommand:
    requester_id: UUID  # the customer's recipient
    body: str
    number: int | None = None  # None: their newest ticket that is new, open or pending


class CommentFromCustomer:
    """A customer's reply (from their chat or email, through other code): a public
    comment on their ticket, `number` or else their newest new, open or pending one
    (NotFound when there is none, or the ticket is another requester's). A pending
    ticket becomes open; a solved one becomes open again when the reply comes within
    HERALD_TICKET_REOPEN_DAYS of its solving, and refuses it after (409), as a closed
    one does: the customer opens a new ticket. The body is 1-9,900 characters. Once
    committed, the ticket's assignee, if any, is told (`CustomerReplied`)."""

    def __init__(
        self,
        tickets: TicketRepository,
        events: DomainEvents,
        clock: Clock,
        tx: TransactionManager,
        config: TicketsConfig,
    ) -> None:
        self._tickets = tickets
        self._events = events
        self._clock = clock
        self._tx = tx
        self._window = config.reopen_window

    async def __call__(self, cmd: CommentFromCustomerCommand) -> Ticket:
        errors = FieldErrors()
        text = errors.check("body", body, cmd.body)
        errors.raise_if_any()
        ticket = await self._ticket(cmd)
        now = self._clock.now()
        changed = ticket.customer_replied(now, self._window)
        await self._tickets.add_event(
            TicketEvent(new_event_id(), ticket.id, EventKind.COMMENT, CUSTOMER, now, text, True)
        )
        if changed.status is not ticket.status:
            await self._tickets.add_event(
                TicketEvent(
                    new_event_id(),
                    ticket.id,
                    EventKind.STATUS,
                    CUSTOMER,
                    now,
                    old=ticket.status,
                    new=changed.status,
                )
            )
        await store_change(self._tickets, changed, ticket)
        await self._tx.commit()
        if changed.assignee is not None:
            reopened = changed.status is not ticket.status
            await self._events.record(
                CustomerReplied(
                    ticket.id, ticket.number, ticket.subject, changed.assignee, reopened
                )
            )
            await self._tx.commit()
        return changed

    async def _ticket(self, cmd: CommentFromCustomerCommand) -> Ticket:
        if cmd.number is None:
            found = await self._tickets.latest_active_of(cmd.requester_id)
            if found is None:
                raise NotFound("the customer has no new, open or pending ticket")
            return found
        ticket = await find_ticket(self._tickets, cmd.number)
        if ticket.requester_id != cmd.requester_id:
            raise NotFound(f"no ticket #{cmd.number}")
        return ticket
