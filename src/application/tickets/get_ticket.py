from dataclasses import dataclass

from application.policy import require_staff
from application.ports.recipients import RecipientRepository
from application.ports.tickets import TicketRepository
from application.tickets.find import find_ticket
from domain.accounts import User
from domain.recipients import Recipient
from domain.tickets import Ticket, TicketEvent


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket: Ticket
    requester: Recipient | None  # None once erased
    timeline: list[TicketEvent]  # comments, status changes, assignments: oldest first


class GetTicket:
    """A ticket by number with its requester and its timeline (NotFound when there is
    none). Agents and admins: they see private comments too."""

    def __init__(self, tickets: TicketRepository, recipients: RecipientRepository) -> None:
        self._tickets = tickets
        self._recipients = recipients

    async def __call__(self, requester: User, number: int) -> TicketView:
        require_staff(requester)
        ticket = await find_ticket(self._tickets, number)
        customer = None
        if ticket.requester_id is not None:
            customer = await self._recipients.get_by_id(ticket.requester_id)
        return TicketView(ticket, customer, await self._tickets.events(ticket.id))
