from dataclasses import dataclass
from uuid import UUID

from application.policy import require_staff
from application.ports.leads import LeadRepository
from domain.accounts import User
from domain.errors import NotFound
from domain.leads import Lead, LeadMessage


@dataclass(frozen=True, slots=True)
class LeadWithConversation:
    lead: Lead
    customers: list[str]  # its Landbot customer ids
    messages: list[LeadMessage]


class GetLead:
    """A lead with its Landbot customer ids and its conversation (in the order the
    messages were sent), for agents and admins; NotFound for an unknown id."""

    def __init__(self, leads: LeadRepository) -> None:
        self._leads = leads

    async def __call__(self, requester: User, lead_id: UUID) -> LeadWithConversation:
        require_staff(requester)
        lead = await self._leads.get(lead_id)
        if lead is None:
            raise NotFound("no lead with this id")
        customers = await self._leads.customers(lead.id)
        return LeadWithConversation(lead, customers, await self._leads.messages(lead.id))
