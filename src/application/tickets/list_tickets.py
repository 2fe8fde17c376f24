from dataclasses import dataclass

from application.paging import BAD_CURSOR, LIMITS, Page
from application.policy import require_staff
from application.ports.tickets import TicketRepository
from application.tickets.config import TicketsConfig
from domain.accounts import User, Username
from domain.errors import FieldErrors, InvalidValue
from domain.tickets import Ticket, TicketFilter, priority, status, ticket_topic


@dataclass(frozen=True, slots=True)
class ListTicketsQuery:
    requester: User
    status: str | None = None
    topic: str | None = None
    assignee: str | None = None  # a username
    priority: str | None = None
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page: a ticket's number


class ListTickets:
    """Tickets, newest first, a page at a time, filtered by status, topic, assignee
    (a username) and priority, each a bad field (422) when it cannot match. Agents and
    admins."""

    def __init__(self, tickets: TicketRepository, config: TicketsConfig) -> None:
        self._tickets = tickets
        self._topics = config.topics

    async def __call__(self, q: ListTicketsQuery) -> Page[Ticket]:
        require_staff(q.requester)
        errors = FieldErrors()
        where = TicketFilter(
            status=None if q.status is None else errors.check("status", status, q.status),
            topic=None
            if q.topic is None
            else errors.check("topic", ticket_topic, q.topic, self._topics),
            assignee=None
            if q.assignee is None
            else errors.check("assignee", _username, q.assignee),
            priority=None if q.priority is None else errors.check("priority", priority, q.priority),
        )
        limit = errors.check("limit", LIMITS.check, q.limit)
        before = errors.check("cursor", ticket_cursor, q.cursor)
        errors.raise_if_any()
        rows = await self._tickets.find(where, before, limit + 1)
        items = rows[:limit]
        return Page(items, str(items[-1].number) if len(rows) > limit else None)


def ticket_cursor(raw: str | None) -> int | None:
    """A page's cursor is the number of the last ticket it showed, as digits (the numbers
    are public anyway): every string the schema allows (1-10 digits) is one."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        raise InvalidValue(BAD_CURSOR)
    return int(raw)


def _username(raw: str) -> str:
    return Username(raw).value
