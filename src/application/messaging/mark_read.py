from dataclasses import dataclass
from uuid import UUID

from application.messaging.access import open_conversation
from application.messaging.live import Broadcast, member_ids
from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, MessageRepository
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import FieldErrors, NotFound
from domain.messaging import LiveKind, message_id


@dataclass(frozen=True, slots=True)
class MarkReadCommand:
    reader: User
    conversation_id: UUID
    up_to: str  # a message id


@dataclass(frozen=True, slots=True)
class ReadMarker:
    conversation_id: UUID
    up_to: UUID | None
    unread: int


class MarkRead:
    """Move the caller's read marker in a conversation (`POST
    /api/conversations/{id}/read`) to a message of it: every message up to it is read
    (and delivered) from now. Markers only move forward: an older `up_to` changes
    nothing. Members only; `up_to` must be a message of this conversation (NotFound)."""

    def __init__(
        self,
        conversations: ConversationRepository,
        messages: MessageRepository,
        clock: Clock,
        tx: TransactionManager,
        broadcast: Broadcast,
    ) -> None:
        self._broadcast = broadcast
        self._conversations = conversations
        self._messages = messages
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: MarkReadCommand) -> ReadMarker:
        errors = FieldErrors()
        up_to = errors.check("up_to", message_id, cmd.up_to)
        errors.raise_if_any()
        conversation, me = await open_conversation(
            self._conversations, cmd.conversation_id, cmd.reader
        )
        target = await self._messages.get(up_to)
        if target is None or target.conversation_id != conversation.id:
            raise NotFound(f"no message with id {up_to} in this conversation")
        marker = await self._conversations.move_read_marker(conversation.id, me.user_id, up_to)
        if marker == up_to:
            await self._messages.mark_read(me.user_id, conversation.id, up_to, self._clock.now())
            data = {
                "conversation_id": str(conversation.id),
                "user": me.username,
                "up_to": str(up_to),
            }
            to = await member_ids(self._conversations, conversation.id)
            await self._broadcast.record(LiveKind.READ, data, to)
        unread = await self._messages.unread(me.user_id, conversation.id)
        await self._tx.commit()
        await self._broadcast.publish()
        return ReadMarker(conversation.id, marker, unread)
