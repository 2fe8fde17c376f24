from dataclasses import dataclass, replace
from uuid import UUID

from application.notifications.list_notifications import find_page, parse_status, recipient_id
from application.paging import ID_CURSORS, LIMITS, Page
from application.policy import require_activity_view
from application.ports.notifications import NotificationFilter, NotificationRepository
from application.ports.recipients import RecipientRepository
from domain.accounts import User
from domain.errors import FieldErrors
from domain.instants import parse_instant
from domain.notifications import Notification, NotificationEvent
from domain.preferences import Channel
from domain.recipients import ExternalId


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    requester: User
    user_id: UUID | None = None
    recipient: str | None = None  # an external id
    status: str | None = None
    channel: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


class ListActivity:
    """Every user's notifications for an admin, newest first, each with its history.

    Rules: admins only (PermissionDenied). Filters: the recipient's account (`user_id`),
    the recipient by external id (`recipient`; NotFound when there is none), status,
    channel, and creation time in [since, until) as ISO 8601 with an offset; every bad
    field is reported at once.
    """

    def __init__(
        self, notifications: NotificationRepository, recipients: RecipientRepository
    ) -> None:
        self._notifications = notifications
        self._recipients = recipients

    async def __call__(
        self, q: ActivityQuery
    ) -> Page[tuple[Notification, list[NotificationEvent]]]:
        require_activity_view(q.requester)
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
        external_id = None
        if q.recipient is not None:
            external_id = errors.check("recipient", ExternalId, q.recipient)
        limit = errors.check("limit", LIMITS.check, q.limit)
        before = errors.check("cursor", ID_CURSORS.decode, q.cursor)
        if where.since and where.until and where.since > where.until:
            errors.add("since", "must not be after until")
        errors.raise_if_any()
        if external_id is not None:
            where = replace(where, recipient_id=await recipient_id(self._recipients, external_id))
        page = await find_page(self._notifications, where, limit, before)
        histories = await self._notifications.histories([n.id for n in page.items])
        return Page([(n, histories[n.id]) for n in page.items], page.next_cursor)
