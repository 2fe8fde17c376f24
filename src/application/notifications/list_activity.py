from dataclasses import dataclass
from uuid import UUID

from application.notifications.list_notifications import check_limit, page_of, parse_status
from application.ports.notifications import NotificationFilter, NotificationRepository
from domain.accounts import User
from domain.errors import FieldErrors, PermissionDenied
from domain.instants import parse_instant
from domain.notifications import Notification, NotificationEvent
from domain.preferences import Channel


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    requester: User
    user_id: UUID | None = None
    status: str | None = None
    channel: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = 50
    before: UUID | None = None  # decoded from the opaque cursor by the caller


@dataclass(frozen=True, slots=True)
class ActivityPage:
    items: list[tuple[Notification, list[NotificationEvent]]]
    next_before: UUID | None


class ListActivity:
    """Every user's notifications for an admin, newest first, each with its history.

    Rules: admins only (PermissionDenied). Filters: recipient (`user_id`), status,
    channel, and creation time in [since, until) as ISO 8601 with an offset; every bad
    field is reported at once.
    """

    def __init__(self, notifications: NotificationRepository) -> None:
        self._notifications = notifications

    async def __call__(self, q: ActivityQuery) -> ActivityPage:
        if not q.requester.is_admin:
            raise PermissionDenied("the activity view needs the admin role")
        errors = FieldErrors()
        where = NotificationFilter(
            user_id=q.user_id,
            status=None if q.status is None else errors.check("status", parse_status, q.status),
            channel=None
            if q.channel is None
            else errors.check("channel", Channel.parse, q.channel),
            since=None if q.since is None else errors.check("since", parse_instant, q.since),
            until=None if q.until is None else errors.check("until", parse_instant, q.until),
        )
        limit = errors.check("limit", check_limit, q.limit)
        if where.since and where.until and where.since > where.until:
            errors.add("since", "must not be after until")
        errors.raise_if_any()
        page = await page_of(self._notifications, where, limit, q.before)
        histories = await self._notifications.histories([n.id for n in page.items])
        return ActivityPage([(n, histories[n.id]) for n in page.items], page.next_before)
