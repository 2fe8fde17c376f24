from dataclasses import dataclass
from uuid import UUID

from application.policy import Caller, read_notification
from application.ports.notifications import NotificationRepository
from domain.notifications import Notification, NotificationEvent


@dataclass(frozen=True, slots=True)
class NotificationDetail:
    notification: Notification
    history: list[NotificationEvent]


class GetNotification:
    """A notification with its status history, for its recipient, its creator, an admin
    or an API key with notifications:read. Any other user is told it does not exist, so
    ids cannot be probed."""

    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    async def __call__(self, requester: Caller, notification_id: UUID) -> NotificationDetail:
        found = await self._notifications.get(notification_id)
        notification = read_notification(requester, found, notification_id)
        return NotificationDetail(notification, await self._notifications.events(notification_id))
