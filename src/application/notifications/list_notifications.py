from dataclasses import dataclass
from uuid import UUID

from application.ports.notifications import NotificationRepository
from domain.errors import FieldErrors, InvalidValue
from domain.notifications import Notification, Status

LIMIT_MAX = 100


@dataclass(frozen=True, slots=True)
class ListNotificationsQuery:
    user_id: UUID
    status: str | None = None
    limit: int = 50
    before: UUID | None = None  # decoded from the opaque cursor by the caller


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[Notification]
    next_before: UUID | None


def _status(raw: str) -> Status:
    try:
        return Status(raw.strip().lower())
    except ValueError:
        raise InvalidValue(f"must be one of {', '.join(s.value for s in Status)}") from None


def _limit(raw: int) -> int:
    if not 1 <= raw <= LIMIT_MAX:
        raise InvalidValue(f"must be between 1 and {LIMIT_MAX}")
    return raw


class ListNotifications:
    """The user's own notifications, newest first, optionally of one status; a page ends
    with the cursor of the next page, or none on the last."""

    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    async def __call__(self, query: ListNotificationsQuery) -> NotificationPage:
        errors = FieldErrors()
        status = None if query.status is None else errors.check("status", _status, query.status)
        limit = errors.check("limit", _limit, query.limit)
        errors.raise_if_any()
        rows = await self._notifications.list_for_user(
            query.user_id, status=status, limit=limit + 1, before=query.before
        )
        more = len(rows) > limit
        items = rows[:limit]
        return NotificationPage(items, items[-1].id if more else None)
