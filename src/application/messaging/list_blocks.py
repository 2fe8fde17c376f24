from dataclasses import dataclass

from application.messaging.list_users import USER_CURSORS
from application.paging import LIMITS, Page, page_of
from application.ports.messaging import RelationshipRepository
from domain.accounts import User
from domain.errors import FieldErrors
from domain.messaging import DirectoryEntry


@dataclass(frozen=True, slots=True)
class ListBlocksQuery:
    requester: User
    limit: int = LIMITS.default
    cursor: str | None = None


class ListBlocks:
    """The users the caller blocked (`GET /api/blocks`), in username order."""

    def __init__(self, relationships: RelationshipRepository) -> None:
        self._relationships = relationships

    async def __call__(self, q: ListBlocksQuery) -> Page[DirectoryEntry]:
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        after = errors.check("cursor", USER_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        rows = await self._relationships.blocked_by(q.requester.id, after, limit + 1)
        return page_of(rows, limit, lambda e: e.username, USER_CURSORS)
