from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from application.leads.intake import LeadIntake
from application.leads.welcome import LeadWelcome
from application.ports.clock import Clock
from application.ports.leads import TicketIntake
from application.ports.transactions import TransactionManager
from domain.errors import FieldErrors
from domain.leads import (
    DEFAULT_TOPIC,
    FieldValue,
    Lead,
    LeadContact,
    body,
    custom_fields,
    customer_id,
    name,
    subject_of,
    topic,
)
from domain.recipients import EmailAddress, PhoneNumber


@dataclass(frozen=True, slots=True)
class RecordLeadCommand:
    """What Landbot's Webhook block sends."""

    customer_id: str | int
    name: str | None = None
    email: str | None = None
    phone: str | int | None = None
    topic: str | None = None
    message: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordedLead:
    lead: Lead
    external_id: str  # its recipient's
    created: bool
    ticket_id: UUID | None


class RecordLead:
    """Record (or update) the lead a Landbot Webhook block sends, deduplicated as every
    intake is (`LeadIntake`). Unlike a MessageHooks delivery, what the bot collected
    here is checked: a bad customer id, name, email, phone, topic or message is a 422
    naming the field. With a `message`, a ticket is opened for the lead on `topic`
    (default `support`), its subject the message's first line; without one the lead is
    only recorded. A new lead with an email is sent the welcome email, once ever. The
    lead, its welcome and its ticket are committed together or not at all; the ticket's
    announcement to the staff's topics follows in a transaction of its own (OpenTicket)."""

    def __init__(
        self,
        intake: LeadIntake,
        tickets: TicketIntake,
        welcome: LeadWelcome,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._intake = intake
        self._tickets = tickets
        self._welcome = welcome
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: RecordLeadCommand) -> RecordedLead:
        errors = FieldErrors()
        customer = errors.check("customer_id", customer_id, cmd.customer_id)
        given_name = None if cmd.name is None else errors.check("name", name, cmd.name)
        email = None
        if cmd.email is not None and cmd.email.strip():
            email = errors.check("email", EmailAddress, cmd.email)
        phone = None
        if cmd.phone is not None and str(cmd.phone).strip():
            phone = errors.check("phone", PhoneNumber, cmd.phone)
        on = errors.check("topic", topic, cmd.topic or DEFAULT_TOPIC)
        text = None
        if cmd.message is not None and cmd.message.strip():
            text = errors.check("message", body, cmd.message)
        errors.raise_if_any()
        fields: dict[str, FieldValue] = custom_fields(cmd.fields)
        now = self._clock.now()
        contact = LeadContact(given_name, email, phone)
        taken = await self._intake.take(customer, contact, fields, now, now)
        lead = taken.lead
        ticket_id = None
        if text is not None:
            # Opening the ticket commits it with the lead and the welcome, then announces it.
            subject = subject_of(text)
            ticket_id = await self._tickets.open_for_lead(lead, on, subject, text)
        await self._tx.commit()
        await self._welcome.wake()
        return RecordedLead(lead, str(taken.recipient.external_id), taken.created, ticket_id)
