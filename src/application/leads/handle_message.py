from dataclasses import dataclass

from application.leads.intake import LeadIntake
from application.leads.welcome import LeadWelcome
from application.ports.clock import Clock
from application.ports.leads import LandbotInbox, LeadRepository, TicketIntake
from application.ports.transactions import TransactionManager
from domain.errors import Conflict
from domain.leads import Lead, LeadMessage


@dataclass(frozen=True, slots=True)
class Handled:
    """What one stored message came to (lead None: processed already, or unknown)."""

    lead: Lead | None
    created: bool = False
    on_ticket: bool = False


class HandleLandbotMessage:
    """Act on a stored MessageHooks message, once (a second run finds it claimed).

    The customer it carries is recorded as a lead (`LeadIntake`: by customer id, email,
    then phone; a message older than the lead's details only fills gaps). Every message
    (the customer's, the bot's, an agent's) joins the lead's conversation, which is read
    in the order the messages were sent, whatever order they arrived in. A customer's
    text while the lead has an open or pending ticket also becomes a public comment on
    it (`TicketIntake.comment_from_lead`). A new lead with an email (or a lead that gets
    its first email) is sent the welcome email, once ever. One transaction; when another
    worker made the same new lead at the same moment, it is run again, and finds it."""

    def __init__(
        self,
        inbox: LandbotInbox,
        leads: LeadRepository,
        intake: LeadIntake,
        tickets: TicketIntake,
        welcome: LeadWelcome,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._inbox = inbox
        self._leads = leads
        self._intake = intake
        self._tickets = tickets
        self._welcome = welcome
        self._clock = clock
        self._tx = tx

    async def __call__(self, key: str) -> Handled:
        try:
            return await self._handle(key)
        except Conflict:
            # Another worker made this person's lead at the same moment (a recipient's
            # external id and a lead's recipient are unique) and committed first: the
            # second run finds that lead.
            await self._tx.rollback()
            return await self._handle(key)

    async def _handle(self, key: str) -> Handled:
        message = await self._inbox.get(key)
        if message is None or message.processed_at is not None:
            return Handled(None)
        now = self._clock.now()
        if not await self._inbox.claim(key, now):
            return Handled(None)
        contact, fields = message.contact()
        taken = await self._intake.take(message.customer_id, contact, fields, message.sent_at, now)
        lead = taken.lead
        on_ticket = False
        if message.from_customer and message.body:
            on_ticket = await self._tickets.comment_from_lead(
                lead.id, message.body, message.sent_at
            )
        channel = message.channel.get("name") or message.channel.get("type")
        await self._leads.add_message(
            LeadMessage(
                lead.id,
                message.key,
                message.sender_type,
                message.sender_name,
                message.kind,
                message.body,
                message.sent_at,
                channel=None if channel is None else str(channel)[:100],
                on_ticket=on_ticket,
                data=message.data,
            )
        )
        await self._tx.commit()
        await self._welcome.wake()
        return Handled(lead, taken.created, on_ticket)
