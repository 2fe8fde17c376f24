from dataclasses import dataclass

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import require_admin
from application.ports.accounts import UserRepository
from domain.accounts import USERNAME_MAX, Role, User
from domain.errors import NUL_MESSAGE, FieldErrors, InvalidValue


@dataclass(frozen=True, slots=True)
class ListUsersQuery:
    requester: User
    q: str | None = None
    role: str | None = None
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


def _prefix(raw: str) -> str:
    if "\x00" in raw:
        raise InvalidValue(NUL_MESSAGE)
    if len(raw) > USERNAME_MAX:
        raise InvalidValue(f"must be at most {USERNAME_MAX} characters")
    return raw.strip().casefold()


class ListUsers:
    """Accounts in the order they were made, a page at a time, disabled ones too; with
    `q`, those whose username starts with it (any case); with `role`, of that role.
    Admins only (PermissionDenied); every bad field is reported at once."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def __call__(self, query: ListUsersQuery) -> Page[User]:
        require_admin(query.requester, "listing users needs the admin role")
        errors = FieldErrors()
        q = None if query.q is None else errors.check("q", _prefix, query.q)
        role = None if query.role is None else errors.check("role", Role.parse, query.role)
        limit = errors.check("limit", LIMITS.check, query.limit)
        after = errors.check("cursor", ID_CURSORS.decode, query.cursor)
        errors.raise_if_any()
        rows = await self._users.search(q or None, role, after=after, limit=limit + 1)
        return page_of(rows, limit, lambda u: u.id, ID_CURSORS)
