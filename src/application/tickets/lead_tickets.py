from datetime import datetime
from uuid import UUID

from application.ports.leads import LeadRepository, LeadTicket
from application.ports.tickets import TicketRepository
from application.tickets.comment_from_customer import (
    CommentFromCustomer,
    CommentFromCustomerCommand,
)
from application.tickets.open_ticket import OpenTicket, OpenTicketCommand
from domain.errors import Conflict, InvalidInput, InvalidValue, NotFound
from domain.leads import Lead
from domain.tickets import TicketFilter


class LeadTickets:
    """Leads' `TicketIntake`, by the tickets' own use cases: a lead's request for help
    is a ticket the customer opened (`OpenTicket`, the staff told as for any ticket),
    and their message while a ticket of theirs is new, open or pending is a public
    comment on it (`CommentFromCustomer`, which reopens a pending one). Those use cases
    commit: the lead's unit of work is committed with the ticket. A message the ticket
    cannot take (none active, one solved past its reopening window, a body too long for
    a comment) stays in the lead's conversation only (False). A lead's page lists its
    tickets, newest first."""

    def __init__(
        self,
        leads: LeadRepository,
        tickets: TicketRepository,
        open_ticket: OpenTicket,
        comment: CommentFromCustomer,
    ) -> None:
        self._leads = leads
        self._tickets = tickets
        self._open = open_ticket
        self._comment = comment

    async def open_for_lead(self, lead: Lead, topic: str, subject: str, body: str) -> UUID:
        requester = lead.recipient_id  # not read again: the caller has just written it
        try:
            ticket = await self._open(OpenTicketCommand(requester, topic, subject, body))
        except InvalidInput as bad:
            raise InvalidValue("; ".join(e.message for e in bad.errors)) from None
        return ticket.id

    async def comment_from_lead(self, lead_id: UUID, body: str, at: datetime) -> bool:
        requester = await self._requester(lead_id)
        try:
            await self._comment(CommentFromCustomerCommand(requester, body))
        except (NotFound, Conflict, InvalidInput):
            return False
        return True

    async def of_lead(self, lead_id: UUID, limit: int) -> list[LeadTicket]:
        requester = await self._requester(lead_id)
        found = await self._tickets.find(TicketFilter(requester_id=requester), None, limit)
        return [LeadTicket(t.number, t.subject, t.status.value, t.created_at) for t in found]

    async def _requester(self, lead_id: UUID) -> UUID:
        lead = await self._leads.get(lead_id)
        if lead is None:
            raise NotFound(f"no lead {lead_id}")
        return lead.recipient_id
