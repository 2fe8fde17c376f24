from dataclasses import dataclass

from application.messaging.list_users import USER_CURSORS
from application.paging import LIMITS, Page, page_of
from application.ports.messaging import RelationshipRepository
from domain.accounts import User
from domain.errors import FieldErrors
from domain.messaging import Contact


@dataclass(frozen=True, slots=True)
class ListContactsQuery:
    requester: User
    limit: int = LIMITS.default
    cursor: str | None = None


class ListContacts:
    """The caller's contacts and requests either way (`GET /api/contacts`), in username
    order: `contact`, `requested` (asked by the caller) or `pending` (asking them)."""

    def __init__(self, relationships: RelationshipRepository) -> None:
        self._relationships = relationships

    async def __call__(self, q: ListContactsQuery) -> Page[Contact]:
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        after = errors.check("cursor", USER_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        rows = await self._relationships.contacts_of(q.requester.id, after, limit + 1)
        return page_of(rows, limit, lambda c: c.user.username, USER_CURSORS)
