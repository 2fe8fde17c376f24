from dataclasses import dataclass
from uuid import UUID

from application.events import DomainEvents
from application.policy import require_staff
from application.ports.clock import Clock
from application.ports.recipients import RecipientRepository
from application.ports.tickets import TicketRepository
from application.ports.transactions import TransactionManager
from application.tickets.config import TicketsConfig
from domain.accounts import User
from domain.errors import FieldErrors, InvalidValue, NotFound
from domain.ids import new_id
from domain.recipients import ExternalId, Recipient
from domain.tickets import (
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketOpened,
    TicketStatus,
    body,
    new_event_id,
    priority,
    staff_topics,
    subject,
    ticket_topic,
)


@dataclass(frozen=True, slots=True)
class OpenTicketCommand:
    requester_id: UUID | None  # the customer's recipient (a lead, from other code)
    topic: str
    subject: str
    body: str
    priority: str = Priority.NORMAL
    requester: str | None = None  # or their external id (an agent's POST /tickets)
    opened_by: User | None = None  # the agent; None: the customer themselves


class OpenTicket:
    """Open a ticket for a customer (a recipient): by an agent or admin (`opened_by`), or
    by other code for a lead's request for help. The requester is a recipient, by id or
    by external id, and must exist (NotFound); the topic is one of the configured ones
    (HERALD_TICKET_TOPICS), the subject 1-200 printable characters, the body 1-10,000,
    the priority low, normal (default), high or urgent. The ticket takes the next
    number and starts `new`; its timeline starts with that status. Once committed, the
    staff are told (`TicketOpened`: a fan-out to `tickets.<topic>`, and to
    `tickets.urgent` when urgent)."""

    def __init__(
        self,
        tickets: TicketRepository,
        recipients: RecipientRepository,
        events: DomainEvents,
        clock: Clock,
        tx: TransactionManager,
        config: TicketsConfig,
    ) -> None:
        self._tickets = tickets
        self._recipients = recipients
        self._events = events
        self._clock = clock
        self._tx = tx
        self._config = config

    async def __call__(self, cmd: OpenTicketCommand) -> Ticket:
        if cmd.opened_by is not None:
            require_staff(cmd.opened_by)
        errors = FieldErrors()
        topic = errors.check("topic", ticket_topic, cmd.topic, self._config.topics)
        title = errors.check("subject", subject, cmd.subject)
        text = errors.check("body", body, cmd.body)
        level = errors.check("priority", priority, cmd.priority)
        errors.raise_if_any()
        requester = await self._requester(cmd.requester_id, cmd.requester)
        now = self._clock.now()
        ticket = Ticket(
            id=new_id(),
            number=await self._tickets.next_number(),
            subject=title,
            body=text,
            topic=topic,
            priority=level,
            status=TicketStatus.NEW,
            requester_id=requester.id,
            assignee=None,
            created_at=now,
            updated_at=now,
        )
        author = None if cmd.opened_by is None else cmd.opened_by.username.value
        await self._tickets.add(ticket)
        await self._tickets.add_event(
            TicketEvent(new_event_id(), ticket.id, EventKind.STATUS, author, now, new=ticket.status)
        )
        await self._tx.commit()
        await self._events.record(
            TicketOpened(
                ticket.id,
                ticket.number,
                ticket.subject,
                ticket.topic,
                ticket.priority,
                staff_topics(ticket.topic, ticket.priority),
            )
        )
        await self._tx.commit()
        return ticket

    async def _requester(self, requester_id: UUID | None, external_id: str | None) -> Recipient:
        found = None
        if requester_id is not None:
            found = await self._recipients.get_by_id(requester_id)
        elif external_id is not None:
            try:  # an id no recipient can have is not one of theirs either
                found = await self._recipients.get(ExternalId(external_id))
            except InvalidValue:
                found = None
        if found is None:
            raise NotFound(
                "no recipient has this id: make it first (PUT /recipients/{external_id})"
            )
        return found
