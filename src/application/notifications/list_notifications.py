from dataclasses import dataclass
from uuid import UUID

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import Caller, require_read_recipient_notifications, require_user
from application.ports.notifications import NotificationFilter, NotificationRepository
from application.ports.recipients import RecipientRepository
from domain.errors import FieldErrors, InvalidValue, NotFound
from domain.notifications import Notification, Status
from domain.recipients import ExternalId


@dataclass(frozen=True, slots=True)
class ListNotificationsQuery:
    requester: Caller
    status: str | None = None
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page
    recipient: str | None = None  # an external id


def parse_status(raw: str) -> Status:
    try:
        return Status(raw.strip().lower())
    except ValueError:
        raise InvalidValue(f"must be one of {', '.join(s.value for s in Status)}") from None


async def find_page(
    notifications: NotificationRepository,
    where: NotificationFilter,
    limit: int,
    before: UUID | None,
) -> Page[Notification]:
    """Newest first: the page after the notification `before`."""
    rows = await notifications.find(where, limit=limit + 1, before=before)
    return page_of(rows, limit, lambda n: n.id, ID_CURSORS)


async def recipient_id(recipients: RecipientRepository, external_id: ExternalId) -> UUID:
    """The id of the recipient with this external id; NotFound naming it otherwise."""
    found = await recipients.get(external_id)
    if found is None:
        raise NotFound(f"no recipient with external id {str(external_id)!r}")
    return found.id


class ListNotifications:
    """The requester's notifications (sent to them or made by them), or those sent to
    a recipient by its external id (admins, API keys with notifications:read), newest
    first, optionally of one status; a page ends with the cursor of the next page, or
    none.

    Rules: 1 <= limit <= 100 (default 50); every bad field is reported at once.
    """

    def __init__(
        self, notifications: NotificationRepository, recipients: RecipientRepository
    ) -> None:
        self._notifications = notifications
        self._recipients = recipients

    async def __call__(self, query: ListNotificationsQuery) -> Page[Notification]:
        errors = FieldErrors()
        status = (
            None if query.status is None else errors.check("status", parse_status, query.status)
        )
        limit = errors.check("limit", LIMITS.check, query.limit)
        before = errors.check("cursor", ID_CURSORS.decode, query.cursor)
        external_id = None
        if query.recipient is not None:
            external_id = errors.check("recipient", ExternalId, query.recipient)
        errors.raise_if_any()
        if external_id is None:
            where = NotificationFilter(involving=require_user(query.requester).id, status=status)
        else:
            require_read_recipient_notifications(query.requester)
            where = NotificationFilter(
                recipient_id=await recipient_id(self._recipients, external_id), status=status
            )
        return await find_page(self._notifications, where, limit, before)
