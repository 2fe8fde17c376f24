from dataclasses import dataclass

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import Caller, require_key_manager
from application.ports.api_keys import ApiKeyRepository
from domain.api_keys import ApiKey
from domain.errors import FieldErrors


@dataclass(frozen=True, slots=True)
class ListApiKeysQuery:
    requester: Caller
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


class ListApiKeys:
    """Every key, revoked ones too, by id (time-ordered: oldest first), for admins.

    Rules: 1 <= limit <= 100 (default 50); the cursor is one this list returned.
    """

    def __init__(self, keys: ApiKeyRepository) -> None:
        self._keys = keys

    async def __call__(self, query: ListApiKeysQuery) -> Page[ApiKey]:
        require_key_manager(query.requester)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, query.limit)
        after = errors.check("cursor", ID_CURSORS.decode, query.cursor)
        errors.raise_if_any()
        rows = await self._keys.page(after, limit + 1)
        return page_of(rows, limit, lambda key: key.id, ID_CURSORS)
