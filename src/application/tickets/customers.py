"""Reaching a ticket's customer: by email through the notification engine (the
`CustomerToldOfTicket` event, which the notifications capability turns into a
notification to the requester), and, for a customer who came from Landbot, in their
Landbot chat through the outbox's task."""

from dataclasses import dataclass

from application.events import DomainEvents
from application.ports.recipients import RecipientRepository
from application.ports.tickets import LandbotOutbox
from domain.tickets import CustomerToldOfTicket, Ticket

LANDBOT_PREFIX = "landbot:"


@dataclass(frozen=True, slots=True)
class Telling:
    """What to tell one customer, made inside the unit of work and sent after its commit."""

    event: CustomerToldOfTicket
    landbot_customer: str | None  # the Landbot customer id, when they came from Landbot


class CustomerReach:
    def __init__(
        self, recipients: RecipientRepository, events: DomainEvents, outbox: LandbotOutbox
    ) -> None:
        self._recipients = recipients
        self._events = events
        self._outbox = outbox

    async def prepare(self, ticket: Ticket, text: str, key: str) -> Telling | None:
        """None when the ticket has no requester any more (erased)."""
        if ticket.requester_id is None:
            return None
        requester = await self._recipients.get_by_id(ticket.requester_id)
        if requester is None:
            return None
        external_id = requester.external_id.value
        landbot = None
        if self._outbox.enabled and external_id.startswith(LANDBOT_PREFIX):
            landbot = external_id.removeprefix(LANDBOT_PREFIX) or None
        event = CustomerToldOfTicket(
            ticket.id, ticket.number, ticket.subject, ticket.requester_id, text, key
        )
        return Telling(event, landbot)

    async def tell(self, telling: Telling | None) -> None:
        """After the commit: the email's notification (the event's handler), and the
        Landbot text handed to its task."""
        if telling is None:
            return
        await self._events.record(telling.event)
        if telling.landbot_customer is not None:
            await self._outbox.send_text(telling.landbot_customer, telling.event.text)
