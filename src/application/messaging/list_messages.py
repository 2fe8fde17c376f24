from dataclasses import dataclass
from uuid import UUID

from application.messaging.access import open_conversation
from application.messaging.deliveries import Deliveries
from application.paging import LIMITS, Page
from application.ports.messaging import ConversationRepository, MessageRepository
from domain.accounts import User
from domain.errors import FieldErrors
from domain.messaging import Message, message_id


@dataclass(frozen=True, slots=True)
class ListMessagesQuery:
    requester: User
    conversation_id: UUID
    before: str | None = None  # message ids
    after: str | None = None
    limit: int = LIMITS.default


class ListMessages:
    """A conversation's messages (`GET /api/conversations/{id}/messages`), for its
    members, paged by message id: newest first below `before` (the latest without it),
    or oldest first above `after` when only `after` is given (catching up). Both give
    the messages between them. `next_cursor` is the message id to pass on as `before`
    (or as `after` when reading forward). The caller's copies are delivered now."""

    def __init__(
        self,
        conversations: ConversationRepository,
        messages: MessageRepository,
        deliveries: Deliveries,
    ) -> None:
        self._conversations = conversations
        self._messages = messages
        self._deliveries = deliveries

    async def __call__(self, q: ListMessagesQuery) -> Page[Message]:
        errors = FieldErrors()
        limit = errors.check("limit", LIMITS.check, q.limit)
        before = None if q.before is None else errors.check("before", message_id, q.before)
        after = None if q.after is None else errors.check("after", message_id, q.after)
        errors.raise_if_any()
        conversation, _ = await open_conversation(
            self._conversations, q.conversation_id, q.requester
        )
        rows = await self._messages.in_conversation(conversation.id, before, after, limit + 1)
        items = await self._deliveries.reached(q.requester.id, rows[:limit])
        return Page(items, str(items[-1].id) if len(rows) > limit else None)
