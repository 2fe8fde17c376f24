from dataclasses import dataclass
from uuid import UUID

from application.ports.notifications import NotificationRepository
from domain.accounts import User
from domain.errors import NotFound
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
        if found is None or not found.open_to(requester):
            raise NotFound(f"no notification with id {notification_id}")
        return NotificationDetail(found, await self._notifications.events(notification_id))
