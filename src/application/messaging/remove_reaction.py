from application.messaging.access import open_message
from application.messaging.add_reaction import ReactionCommand
from application.ports.messaging import ConversationRepository, MessageRepository
from application.ports.transactions import TransactionManager
from domain.errors import FieldErrors
from domain.messaging import Message, reaction


class RemoveReaction:
    """Take one's own emoji off a message (`DELETE .../reactions/{emoji}`): members only;
    one that was not there is no error. Answers the message with its reactions."""

    def __init__(
        self,
        conversations: ConversationRepository,
        messages: MessageRepository,
        tx: TransactionManager,
    ) -> None:
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
        if await self._messages.unreact(found.id, cmd.user.id, emoji):
            await self._tx.commit()
            return await self._messages.get(found.id) or found
        return found
