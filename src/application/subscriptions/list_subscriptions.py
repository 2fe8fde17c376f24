from dataclasses import dataclass
from uuid import UUID

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import Caller, subscriptions_visible_to
from application.ports.subscriptions import SubscriptionRepository
from domain.errors import FieldErrors
from domain.subscriptions import Subscription


@dataclass(frozen=True, slots=True)
class ListSubscriptionsQuery:
    requester: Caller
    limit: int = LIMITS.default
    cursor: str | None = None


class ListSubscriptions:
    """Subscriptions oldest first, a page at a time: a user's own; every one for admins
    and keys with subscriptions:write."""

    def __init__(self, subscriptions: SubscriptionRepository) -> None:
        self._subscriptions = subscriptions

    async def __call__(self, q: ListSubscriptionsQuery) -> Page[Subscription]:
        owner = subscriptions_visible_to(q.requester)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        after: UUID | None = errors.check("cursor", ID_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        rows = await self._subscriptions.list_after(owner, after, limit + 1)
        return page_of(rows, limit, lambda s: s.id, ID_CURSORS)
