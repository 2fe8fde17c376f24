from collections.abc import Sequence
from dataclasses import dataclass

from application.events import DomainEvents
from application.ports.clock import Clock
from application.ports.notifications import DeliveryRepository, ProviderEventLog, ProviderReport
from application.ports.transactions import TransactionManager
from domain.preferences import Channel, PhoneOptedOut


@dataclass(frozen=True, slots=True)
class ProviderStatusUpdate:
    """A provider's callback, verified and mapped to our statuses by its inbound adapter."""

    provider: str
    report: ProviderReport | None  # None: acknowledged, changes nothing
    event_id: str | None = None  # for providers that may deliver an event twice
    recipient_opted_out: bool = False  # the provider says the recipient opted out


class RecordProviderStatus:
    """Apply provider callbacks (Twilio status, SendGrid events) to notifications.

    Rules: a status only moves forward (a late "sent" never overwrites "delivered");
    an event id seen before is ignored; callbacks for unknown messages are acknowledged
    and ignored; a report that the recipient opted out (the inbound adapter knows its
    provider's code for it) records PhoneOptedOut for the notification's number, in the
    same commit. Returns how many changed.
    """

    def __init__(
        self,
        deliveries: DeliveryRepository,
        event_log: ProviderEventLog,
        domain_events: DomainEvents,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._deliveries = deliveries
        self._event_log = event_log
        self._domain_events = domain_events
        self._clock = clock
        self._tx = tx

    async def __call__(self, updates: Sequence[ProviderStatusUpdate]) -> int:
        now = self._clock.now()
        changed = 0
        for update in updates:
            if update.event_id and not await self._event_log.first_time(
                update.provider, update.event_id, now
            ):
                continue
            if update.report is None:
                continue
            result = await self._deliveries.apply_provider_status(update.report, now)
            if result is None:
                continue
            changed += 1
            if update.recipient_opted_out and result.channel is Channel.SMS:
                await self._domain_events.record(
                    PhoneOptedOut(result.user_id, result.to, result.recipient_id)
                )
        await self._tx.commit()
        return changed
