from dataclasses import dataclass
from uuid import UUID

from application.policy import require_staff
from application.ports.leads import LeadRepository, LeadTicket, TicketIntake
from application.ports.recipients import RecipientRepository
from domain.accounts import User
from domain.errors import NotFound
from domain.leads import Lead, LeadMessage

TICKETS_SHOWN = 50  # the rest: GET /tickets (agents filter by topic, status, ...)


@dataclass(frozen=True, slots=True)
class LeadWithConversation:
    lead: Lead
    external_id: str  # its recipient's
    customers: list[str]  # its Landbot customer ids
    messages: list[LeadMessage]
    tickets: list[LeadTicket]  # newest first, up to TICKETS_SHOWN


class GetLead:
    """A lead with its recipient's external id, its Landbot customer ids, its
    conversation (in the order the messages were sent) and its newest TICKETS_SHOWN
    tickets, for agents and admins; NotFound for an unknown id."""

    def __init__(
        self, leads: LeadRepository, recipients: RecipientRepository, tickets: TicketIntake
    ) -> None:
        self._leads = leads
        self._recipients = recipients
        self._tickets = tickets

    async def __call__(self, requester: User, lead_id: UUID) -> LeadWithConversation:
        require_staff(requester)
        lead = await self._leads.get(lead_id)
        if lead is None:
            raise NotFound("no lead with this id")
        # The conversation is read before the customer ids: a message is committed with
        # the customer id it came with, so every message shown has its customer listed
        # even when a new one commits between these reads.
        messages = await self._leads.messages(lead.id)
        customers = await self._leads.customers(lead.id)
        recipient = await self._recipients.get_by_id(lead.recipient_id)
        external_id = "" if recipient is None else str(recipient.external_id)
        tickets = await self._tickets.of_lead(lead.id, TICKETS_SHOWN)
        return LeadWithConversation(lead, external_id, customers, messages, tickets)
