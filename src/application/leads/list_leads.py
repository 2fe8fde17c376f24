from dataclasses import dataclass
from uuid import UUID

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import require_staff
from application.ports.leads import LeadRepository
from domain.accounts import User
from domain.errors import FieldErrors, InvalidValue
from domain.leads import Lead

Q_MAX = 200


@dataclass(frozen=True, slots=True)
class ListLeadsQuery:
    requester: User
    q: str | None = None
    limit: int = LIMITS.default
    cursor: str | None = None


def _q(raw: str) -> str:
    if len(raw) > Q_MAX:
        raise InvalidValue(f"must be at most {Q_MAX} characters")
    return raw.strip()


class ListLeads:
    """Leads in the order they came, a page at a time, for agents and admins; `q`
    finds those whose name (any case), email (any case) or phone starts with it."""

    def __init__(self, leads: LeadRepository) -> None:
        self._leads = leads

    async def __call__(self, query: ListLeadsQuery) -> Page[Lead]:
        require_staff(query.requester)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, query.limit)
        after: UUID | None = errors.check("cursor", ID_CURSORS.decode, query.cursor)
        q = None if query.q is None else errors.check("q", _q, query.q)
        errors.raise_if_any()
        rows = await self._leads.search(q or None, after=after, limit=limit + 1)
        return page_of(rows, limit, lambda lead: lead.id, ID_CURSORS)
