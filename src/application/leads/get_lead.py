from dataclasses import dataclass
from uuid import UUID

from application.policy import require_staff
from application.ports.leads import LeadRepository
from application.ports.recipients import RecipientRepository
from domain.accounts import User
from domain.errors import NotFound
from domain.leads import Lead, LeadMessage


@dataclass(frozen=True, slots=True)
class LeadWithConversation:
    lead: Lead
    external_id: str  # its recipient's
    customers: list[str]  # its Landbot customer ids
    messages: list[LeadMessage]


class GetLead:
    """A lead with its recipient's external id, its Landbot customer ids and its
    conversation (in the order the messages were sent), for agents and admins; NotFound
    for an unknown id."""

    def __init__(self, leads: LeadRepository, recipients: RecipientRepository) -> None:
        self._leads = leads
        self._recipients = recipients

    async def __call__(self, requester: User, lead_id: UUID) -> LeadWithConversation:
        require_staff(requester)
        lead = await self._leads.get(lead_id)
        if lead is None:
            raise NotFound("no lead with this id")
        customers = await self._leads.customers(lead.id)
        recipient = await self._recipients.get_by_id(lead.recipient_id)
        external_id = "" if recipient is None else str(recipient.external_id)
        messages = await self._leads.messages(lead.id)
        return LeadWithConversation(lead, external_id, customers, messages)
