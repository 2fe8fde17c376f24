from dataclasses import dataclass
from uuid import UUID

from application.ports.notifications import NotificationRepository
from domain.errors import NotFound
from domain.notifications import Notification, NotificationEvent


@dataclass(frozen=True, slots=True)
class NotificationDetail:
    notification: Notification
    history: list[NotificationEvent]


class GetNotification:
    """One of the user's notifications with its status history. Another user's
    notification is reported as not found, so ids cannot be probed."""

    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    async def __call__(self, user_id: UUID, notification_id: UUID) -> NotificationDetail:
        found = await self._notifications.get(notification_id)
        if found is None or found.user_id != user_id:
            raise NotFound(f"no notification with id {notification_id}")
        return NotificationDetail(found, await self._notifications.events(notification_id))
