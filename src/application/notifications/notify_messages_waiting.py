from collections.abc import Awaitable, Callable

from application.notifications.schedule_notification import (
    ScheduleNotification,
    ScheduleNotificationCommand,
)
from application.ports.accounts import UserRepository
from domain.errors import DomainError
from domain.messaging import MessagesWaiting

TITLE = "New messages"


class NotifyMessagesWaiting:
    """The handler of messaging's `MessagesWaiting`: one notification to that user ("3
    new messages from ann") on every channel they have on, as if they had asked for it
    themselves; its idempotency key is the event's, so a window's second try sends
    nothing. A user with no channel to reach, or gone, is not notified."""

    def __init__(
        self, users: UserRepository, schedule: Callable[[], Awaitable[ScheduleNotification]]
    ) -> None:
        self._users = users
        self._schedule = schedule  # made on first use: most units of work never need it

    async def __call__(self, event: MessagesWaiting) -> None:
        user = await self._users.get(event.user_id)
        if user is None or user.disabled:
            return
        schedule = await self._schedule()
        cmd = ScheduleNotificationCommand(
            requester=user, title=TITLE, text=event.text, idempotency_key=event.key
        )
        try:
            await schedule(cmd)
        except DomainError:  # no channel on, an address missing, the key taken: no notice
            return
