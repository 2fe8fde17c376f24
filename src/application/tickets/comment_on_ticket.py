from dataclasses import dataclass

from application.policy import require_staff
from application.ports.clock import Clock
from application.ports.tickets import TicketRepository
from application.ports.transactions import TransactionManager
from application.tickets.customers import CustomerReach, Telling
from application.tickets.find import find_ticket, store_change
from domain.accounts import User
from domain.errors import FieldErrors
from domain.tickets import EventKind, IllegalMove, TicketEvent, TicketStatus, body, new_event_id


@dataclass(frozen=True, slots=True)
class CommentOnTicketCommand:
    requester: User
    number: int
    body: str
    public: bool = True


class CommentOnTicket:
    """An agent's or admin's comment on a ticket: public (the customer is sent it, by
    email, and in their Landbot chat when they came from Landbot) or private (the staff
    only). The body is 1-10,000 characters; a closed ticket takes no comment (409). A
    public comment on a new ticket opens it. Answers the comment as stored."""

    def __init__(
        self,
        tickets: TicketRepository,
        reach: CustomerReach,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._tickets = tickets
        self._reach = reach
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: CommentOnTicketCommand) -> TicketEvent:
        require_staff(cmd.requester)
        errors = FieldErrors()
        text = errors.check("body", body, cmd.body)
        errors.raise_if_any()
        ticket = await find_ticket(self._tickets, cmd.number)
        if ticket.status is TicketStatus.CLOSED:
            raise IllegalMove(f"ticket #{ticket.number} is closed: open a new ticket")
        now = self._clock.now()
        author = cmd.requester.username.value
        comment = TicketEvent(
            new_event_id(), ticket.id, EventKind.COMMENT, author, now, text, cmd.public
        )
        await self._tickets.add_event(comment)
        changed = ticket
        if cmd.public and ticket.status is TicketStatus.NEW:
            changed = ticket.move(TicketStatus.OPEN, now)
            await self._tickets.add_event(
                TicketEvent(
                    new_event_id(),
                    ticket.id,
                    EventKind.STATUS,
                    author,
                    now,
                    old=ticket.status,
                    new=changed.status,
                )
            )
        await store_change(self._tickets, changed, ticket)
        telling: Telling | None = None
        if cmd.public:
            telling = await self._reach.prepare(
                changed, f"{author}: {text}", f"ticket:{ticket.id}:comment:{comment.id}"
            )
        await self._tx.commit()
        await self._reach.tell(telling)
        await self._tx.commit()
        return comment
