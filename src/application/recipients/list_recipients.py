from dataclasses import dataclass

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import Caller, require_scope
from application.ports.recipients import RecipientRepository
from domain.api_keys import Scope
from domain.errors import NUL_MESSAGE, FieldErrors, InvalidValue
from domain.recipients import Recipient

Q_MAX = 254  # as long as the longest field it is compared with, an email address


@dataclass(frozen=True, slots=True)
class ListRecipientsQuery:
    requester: Caller
    q: str | None = None
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


def _query(raw: str) -> str:
    if "\x00" in raw:
        raise InvalidValue(NUL_MESSAGE)
    if len(raw) > Q_MAX:
        raise InvalidValue(f"must be at most {Q_MAX} characters")
    return raw


class ListRecipients:
    """Recipients in the order they were made, a page at a time; with `q`, those whose
    name or email (any case), phone or external id (exactly) starts with it. Admins, or keys with
    recipients:read."""

    def __init__(self, recipients: RecipientRepository) -> None:
        self._recipients = recipients

    async def __call__(self, query: ListRecipientsQuery) -> Page[Recipient]:
        require_scope(query.requester, Scope.RECIPIENTS_READ)
        errors = FieldErrors()
        q = None if query.q is None else errors.check("q", _query, query.q)
        limit = errors.check("limit", LIMITS.check, query.limit)
        after = errors.check("cursor", ID_CURSORS.decode, query.cursor)
        errors.raise_if_any()
        rows = await self._recipients.search(q or None, after=after, limit=limit + 1)
        return page_of(rows, limit, lambda r: r.id, ID_CURSORS)
