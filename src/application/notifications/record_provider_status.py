from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.ports.clock import Clock
from application.ports.notifications import NotificationRepository, ProviderEventLog
from application.ports.preferences import ContactPreferenceRepository
from application.ports.transactions import TransactionManager
from domain.notifications import Status

OPTED_OUT_CODE = "21610"


@dataclass(frozen=True, slots=True)
class ProviderStatusUpdate:
    """A provider's callback, already mapped to our statuses (None: acknowledged, no change)."""

    provider: str
    status: Status | None
    detail: str
    provider_message_id: str | None = None
    notification_id: UUID | None = None
    event_id: str | None = None  # for providers that may deliver an event twice
    error_code: str | None = None
    error: str | None = None


class RecordProviderStatus:
    """Apply provider callbacks (Twilio status, SendGrid events) to notifications.

    Rules: a status only moves forward (a late "sent" never overwrites "delivered");
    an event id seen before is ignored; callbacks for unknown messages are acknowledged
    and ignored; error 21610 marks the phone as opted out. Returns how many changed.
    """

    def __init__(
        self,
        notifications: NotificationRepository,
        events: ProviderEventLog,
        prefs: ContactPreferenceRepository,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._notifications = notifications
        self._events = events
        self._prefs = prefs
        self._clock = clock
        self._tx = tx

    async def __call__(self, updates: Sequence[ProviderStatusUpdate]) -> int:
        now = self._clock.now()
        changed = 0
        for update in updates:
            if update.event_id and not await self._events.first_time(
                update.provider, update.event_id, now
            ):
                continue
            if update.status is None:
                continue
            result = await self._notifications.apply_provider_status(
                provider_message_id=update.provider_message_id,
                notification_id=update.notification_id,
                status=update.status,
                detail=update.detail,
                now=now,
                error_code=update.error_code,
                error=update.error,
            )
            if result is None:
                continue
            changed += 1
            if update.error_code == OPTED_OUT_CODE:
                await self._prefs.mark_sms_opted_out(result.user_id, result.to)
        await self._tx.commit()
        return changed
