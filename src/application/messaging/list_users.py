from dataclasses import dataclass

from application.paging import LIMITS, Page, key_cursors, page_of
from application.ports.messaging import UserDirectory
from domain.accounts import User, Username
from domain.errors import FieldErrors
from domain.messaging import DirectoryEntry, username_prefix

# The username of the last user of a page.
USER_CURSORS = key_cursors(lambda raw: Username(raw).value)


@dataclass(frozen=True, slots=True)
class ListUsersQuery:
    requester: User
    q: str = ""  # a username prefix
    limit: int = LIMITS.default
    cursor: str | None = None


class ListUsers:
    """The user directory (`GET /api/users`): every enabled user whose username starts
    with `q`, in username order, a page at a time; for signed-in users. Users who
    blocked the requester, or whom the requester blocked, are not listed."""

    def __init__(self, directory: UserDirectory) -> None:
        self._directory = directory

    async def __call__(self, query: ListUsersQuery) -> Page[DirectoryEntry]:
        errors = FieldErrors()
        prefix = errors.check("q", username_prefix, query.q)
        limit = errors.check("limit", LIMITS.check, query.limit)
        after = errors.check("cursor", USER_CURSORS.decode, query.cursor)
        errors.raise_if_any()
        rows = await self._directory.search(prefix, after, limit + 1, query.requester.id)
        return page_of(rows, limit, lambda e: e.username, USER_CURSORS)
