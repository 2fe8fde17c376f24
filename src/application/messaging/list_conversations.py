from dataclasses import dataclass

from application.paging import ID_CURSORS, LIMITS, Page, page_of
from application.ports.messaging import ConversationRepository
from domain.accounts import User
from domain.errors import FieldErrors
from domain.messaging import ConversationSummary


@dataclass(frozen=True, slots=True)
class ListConversationsQuery:
    requester: User
    limit: int = LIMITS.default
    cursor: str | None = None


class ListConversations:
    """The caller's conversations (`GET /api/conversations`), latest activity first, a
    page at a time: each with its members, last message and the caller's unread count."""

    def __init__(self, conversations: ConversationRepository) -> None:
        self._conversations = conversations

    async def __call__(self, q: ListConversationsQuery) -> Page[ConversationSummary]:
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        before = errors.check("cursor", ID_CURSORS.decode, q.cursor)
        errors.raise_if_any()
        rows = await self._conversations.conversations_of(q.requester.id, before, limit + 1)
        return page_of(rows, limit, lambda s: s.conversation.activity_id, ID_CURSORS)
