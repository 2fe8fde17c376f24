from dataclasses import dataclass
from uuid import UUID

from application.policy import open_notification
from application.ports.notifications import NotificationRepository
from domain.accounts import User
from domain.notifications import Notification, NotificationEvent


@dataclass(frozen=True, slots=True)
class NotificationDetail:
    notification: Notification
    history: list[NotificationEvent]


class GetNotification:
    """A notification with its status history, for its recipient, its creator or an admin.
    Anyone else is told it does not exist, so ids cannot be probed."""

    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    async def __call__(self, requester: User, notification_id: UUID) -> NotificationDetail:
        found = await self._notifications.get(notification_id)
        notification = open_notification(requester, found, notification_id)
        return NotificationDetail(notification, await self._notifications.events(notification_id))
