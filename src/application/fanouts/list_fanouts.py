from dataclasses import dataclass

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import Caller, require_scope
from application.ports.fanouts import FanoutRepository
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.fanouts import Fanout, Progress
from domain.topics import topic_key


@dataclass(frozen=True, slots=True)
class ListFanoutsQuery:
    requester: Caller
    topic: str | None = None
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


class ListFanouts:
    """Fan-outs with their progress, newest first, a page at a time; of one topic, or of
    all. Admins, or keys with notifications:read."""

    def __init__(self, fanouts: FanoutRepository) -> None:
        self._fanouts = fanouts

    async def __call__(self, q: ListFanoutsQuery) -> Page[tuple[Fanout, Progress]]:
        require_scope(q.requester, Scope.NOTIFICATIONS_READ)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        before = errors.check("cursor", ID_CURSORS.decode, q.cursor)
        topic = None if q.topic is None else errors.check("topic", topic_key, q.topic)
        errors.raise_if_any()
        rows = await self._fanouts.list_before(topic, before, limit + 1)
        page = page_of(rows, limit, lambda f: f.id, ID_CURSORS)
        progress = await self._fanouts.progress([f.id for f in page.items])
        items = [(f, progress[f.id]) for f in page.items]
        return Page(items, page.next_cursor)
