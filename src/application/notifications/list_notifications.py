from dataclasses import dataclass
from uuid import UUID

from application.ports.notifications import NotificationFilter, NotificationRepository
from domain.accounts import User
from domain.errors import FieldErrors, InvalidValue
from domain.notifications import Notification, Status

LIMIT_MAX = 100


@dataclass(frozen=True, slots=True)
class ListNotificationsQuery:
    requester: User
    status: str | None = None
    limit: int = 50
    before: UUID | None = None  # decoded from the opaque cursor by the caller


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[Notification]
    next_before: UUID | None


def parse_status(raw: str) -> Status:
    try:
        return Status(raw.strip().lower())
    except ValueError:
        raise InvalidValue(f"must be one of {', '.join(s.value for s in Status)}") from None


def check_limit(raw: int) -> int:
    if not 1 <= raw <= LIMIT_MAX:
        raise InvalidValue(f"must be between 1 and {LIMIT_MAX}")
    return raw


async def page_of(
    notifications: NotificationRepository,
    where: NotificationFilter,
    limit: int,
    before: UUID | None,
) -> NotificationPage:
    rows = await notifications.find(where, limit=limit + 1, before=before)
    items = rows[:limit]
    return NotificationPage(items, items[-1].id if len(rows) > limit else None)


class ListNotifications:
    """The requester's notifications (sent to them or made by them), newest first,
    optionally of one status; a page ends with the cursor of the next page, or none."""

    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    async def __call__(self, query: ListNotificationsQuery) -> NotificationPage:
        errors = FieldErrors()
        status = (
            None if query.status is None else errors.check("status", parse_status, query.status)
        )
        limit = errors.check("limit", check_limit, query.limit)
        errors.raise_if_any()
        where = NotificationFilter(involving=query.requester.id, status=status)
        return await page_of(self._notifications, where, limit, query.before)
