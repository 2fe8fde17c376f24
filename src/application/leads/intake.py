"""`LeadIntake`: a conversation's person recorded as a lead, the one the rules of
deduplication find or a new one, with its recipient; shared by both Landbot routes."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from application.leads.welcome import LeadWelcome
from application.ports.leads import LeadRepository
from application.ports.recipients import RecipientRepository
from domain.ids import new_id
from domain.leads import FieldValue, Lead, LeadContact, lead_external_id, merged_recipient
from domain.recipients import Recipient


@dataclass(frozen=True, slots=True)
class Taken:
    lead: Lead
    recipient: Recipient
    created: bool


class LeadIntake:
    """Finds the lead by Landbot's customer id, then by email (lower case), then by
    phone (E.164) (`LeadRepository.match`); a second conversation by the same person
    updates that lead and names it by the new customer id too, a newer message's
    details winning over an older one's. A new lead gets a recipient
    `landbot:<customer id>` (one that exists already is taken over), email on when it
    has an email. The recipient mirrors the lead's details; merging keeps its opt-outs
    (`domain.leads.merged_recipient`). A lead that has an email for the first time is
    sent its welcome (`LeadWelcome.schedule`), before the lead is written, so that it is
    written once. Works in the caller's unit of work; the caller commits, then calls
    `LeadWelcome.wake`."""

    def __init__(
        self, leads: LeadRepository, recipients: RecipientRepository, welcome: LeadWelcome
    ) -> None:
        self._leads = leads
        self._recipients = recipients
        self._welcome = welcome

    async def take(
        self,
        customer: str,
        contact: LeadContact,
        fields: Mapping[str, FieldValue],
        at: datetime,
        now: datetime,
    ) -> Taken:
        found = await self._leads.match(customer, contact.email_key, contact.phone_key)
        if found is None:
            return await self._new(customer, contact, fields, at, now)
        lead = found.lead.merge(contact, fields, at, now)
        recipient = await self._recipients.get_by_id(lead.recipient_id)
        if recipient is None:  # gone since (the database drops its lead with it)
            recipient = Recipient.new(new_id(), lead_external_id(customer), lead.contact(), now)
            lead = replace(lead, recipient_id=recipient.id)
        else:
            recipient = merged_recipient(recipient, lead, now)
        await self._recipients.save(recipient)
        lead = await self._welcome.schedule(lead, recipient, now)
        await self._leads.update(lead)
        if not found.by_customer:
            await self._leads.link(customer, lead.id, now)
        return Taken(lead, recipient, False)

    async def _new(
        self,
        customer: str,
        contact: LeadContact,
        fields: Mapping[str, FieldValue],
        at: datetime,
        now: datetime,
    ) -> Taken:
        external_id = lead_external_id(customer)
        existing = await self._recipients.get(external_id)
        recipient_id = new_id() if existing is None else existing.id
        lead = Lead.new(new_id(), recipient_id, contact, fields, at, now)
        if existing is None:
            recipient = Recipient.new(recipient_id, external_id, lead.contact(), now)
        else:
            recipient = merged_recipient(existing, lead, now)
        await self._recipients.save(recipient)
        lead = await self._welcome.schedule(lead, recipient, now)
        await self._leads.add(lead)
        await self._leads.link(customer, lead.id, now)
        return Taken(lead, recipient, True)
