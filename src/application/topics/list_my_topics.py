from dataclasses import dataclass

from application.paging import LIMITS, Page, page_of
from application.policy import Caller, require_user
from application.ports.topics import TopicRepository
from application.topics.list_topics import TOPIC_CURSORS
from domain.errors import FieldErrors
from domain.recipients import ExternalId
from domain.topics import Membership


@dataclass(frozen=True, slots=True)
class ListMyTopicsQuery:
    requester: Caller
    limit: int = LIMITS.default
    cursor: str | None = None  # `next_cursor` of the previous page


class ListMyTopics:
    """The topics the calling user may subscribe to (self-service) or is subscribed to,
    in key order, each saying whether they are subscribed. Users only."""

    def __init__(self, topics: TopicRepository) -> None:
        self._topics = topics

    async def __call__(self, q: ListMyTopicsQuery) -> Page[Membership]:
        user = require_user(q.requester)
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        after = errors.check("cursor", TOPIC_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        me = ExternalId.of_user(user.username.value).value
        rows = await self._topics.memberships_of(me, after, limit + 1)
        return page_of(rows, limit, lambda m: m.topic.key, TOPIC_CURSORS)
