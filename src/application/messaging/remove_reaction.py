from application.messaging.access import open_message
from application.messaging.add_reaction import ReactionCommand
from application.messaging.live import Broadcast, member_ids, message_data
from application.ports.messaging import ConversationRepository, MessageRepository
from application.ports.transactions import TransactionManager
from domain.errors import FieldErrors
from domain.messaging import LiveKind, Message, reaction


class RemoveReaction:
    """Take one's own emoji off a message (`DELETE .../reactions/{emoji}`): members only;
    one that was not there is no error. Answers the message with its reactions."""

    def __init__(
        self,
        conversations: ConversationRepository,
        messages: MessageRepository,
        tx: TransactionManager,
        broadcast: Broadcast,
    ) -> None:
        self._broadcast = broadcast
        self._conversations = conversations
        self._messages = messages
        self._tx = tx

    async def __call__(self, cmd: ReactionCommand) -> Message:
        errors = FieldErrors()
        emoji = errors.check("emoji", reaction, cmd.emoji)
        errors.raise_if_any()
        _, found = await open_message(
            self._conversations, self._messages, cmd.conversation_id, cmd.message_id, cmd.user
        )
        if not await self._messages.unreact(found.id, cmd.user.id, emoji):
            return found
        now = await self._messages.get(found.id) or found
        to = await member_ids(self._conversations, found.conversation_id)
        await self._broadcast.record(LiveKind.REACTIONS, message_data(now), to)
        await self._tx.commit()
        await self._broadcast.publish()
        return now
