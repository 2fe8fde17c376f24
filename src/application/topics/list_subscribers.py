from dataclasses import dataclass

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.policy import Caller, require_scope
from application.ports.topics import TopicRepository
from application.topics.find import find_topic
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.topics import Subscriber


@dataclass(frozen=True, slots=True)
class ListSubscribersQuery:
    requester: Caller
    key: str
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


class ListSubscribers:
    """A topic's subscribers, a page at a time, in the order of their recipients' ids.
    Admins, or keys with topics:write; NotFound for an unknown topic."""

    def __init__(self, topics: TopicRepository) -> None:
        self._topics = topics

    async def __call__(self, q: ListSubscribersQuery) -> Page[Subscriber]:
        require_scope(q.requester, Scope.TOPICS_WRITE)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        after = errors.check("cursor", ID_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        topic = await find_topic(self._topics, q.key)
        rows = await self._topics.subscribers_after(topic.key, after, limit + 1)
        return page_of(rows, limit, lambda s: s.recipient_id, ID_CURSORS)
