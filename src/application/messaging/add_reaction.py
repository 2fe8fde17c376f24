from dataclasses import dataclass
from uuid import UUID

from application.messaging.access import open_message
from application.messaging.live import Broadcast, member_ids, message_data
from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, MessageRepository
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import Conflict, FieldErrors
from domain.messaging import LiveKind, Message, reaction


@dataclass(frozen=True, slots=True)
class ReactionCommand:
    user: User
    conversation_id: UUID
    message_id: UUID
    emoji: str


class AddReaction:
    """React to a message with an emoji (`PUT .../messages/{message_id}/reactions/{emoji}`):
    members only, one of each emoji per user per message (again changes nothing), not
    on a deleted message (Conflict). Answers the message with its reactions."""

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

    async def __call__(self, cmd: ReactionCommand) -> Message:
        errors = FieldErrors()
        emoji = errors.check("emoji", reaction, cmd.emoji)
        errors.raise_if_any()
        _, found = await open_message(
            self._conversations, self._messages, cmd.conversation_id, cmd.message_id, cmd.user
        )
        if found.deleted:
            raise Conflict("a deleted message takes no reactions")
        if not await self._messages.react(found.id, cmd.user.id, emoji, self._clock.now()):
            return found
        now = await self._messages.get(found.id) or found
        to = await member_ids(self._conversations, found.conversation_id)
        await self._broadcast.record(LiveKind.REACTIONS, message_data(now), to)
        await self._tx.commit()
        await self._broadcast.publish()
        return now
