from dataclasses import dataclass

from application.paging import LIMITS, Page, key_cursors, page_of
from application.policy import Caller, require_scope
from application.ports.topics import TopicRepository
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.topics import Topic, topic_key

# The key of the last topic of a page (GET /topics and GET /me/topics).
TOPIC_CURSORS = key_cursors(topic_key)


@dataclass(frozen=True, slots=True)
class ListTopicsQuery:
    requester: Caller
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


class ListTopics:
    """Topics in key order, a page at a time. Admins, or keys with topics:write."""

    def __init__(self, topics: TopicRepository) -> None:
        self._topics = topics

    async def __call__(self, q: ListTopicsQuery) -> Page[Topic]:
        require_scope(q.requester, Scope.TOPICS_WRITE)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        after = errors.check("cursor", TOPIC_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        rows = await self._topics.list_after(after, limit + 1)
        return page_of(rows, limit, lambda t: t.key, TOPIC_CURSORS)
