from uuid import UUID

from application.policy import Caller, cancel_notification
from application.ports.clock import Clock
from application.ports.notifications import NotificationRepository
from application.ports.transactions import TransactionManager
from domain.errors import Conflict
from domain.notifications import Notification


class CancelNotification:
    """Cancel a notification that has not started sending.

    Rules: its recipient, its creator, an admin or an API key with notifications:write
    (any notification) may cancel it; any other user is told it does not exist.
    Scheduled (or queued, not yet picked up) -> canceled; sending, sent or any final
    status -> Conflict. The update is conditional, so a worker that claims the row at the
    same moment wins or loses cleanly.
    """

    def __init__(
        self, notifications: NotificationRepository, clock: Clock, tx: TransactionManager
    ) -> None:
        self._notifications = notifications
        self._clock = clock
        self._tx = tx

    async def __call__(self, requester: Caller, notification_id: UUID) -> Notification:
        found = await self._notifications.get(notification_id)
        notification = cancel_notification(requester, found, notification_id)
        now = self._clock.now()
        canceled = notification.cancel(now)  # raises Conflict for a status that cannot be canceled
        if not await self._notifications.cancel(notification_id, now):
            await self._tx.rollback()
            raise Conflict(
                "the notification started sending meanwhile; it can no longer be canceled"
            )
        await self._tx.commit()
        return canceled
