from uuid import UUID

from application.messaging.access import open_conversation
from application.messaging.live import Broadcast
from application.ports.messaging import ConversationRepository
from domain.accounts import User
from domain.messaging import LiveKind


class SendTyping:
    """Tell a conversation's other members that the caller is typing (`POST
    /api/conversations/{id}/typing`): members only; live streams only, nothing kept,
    so a reconnect does not replay it."""

    def __init__(self, conversations: ConversationRepository, broadcast: Broadcast) -> None:
        self._conversations = conversations
        self._broadcast = broadcast

    async def __call__(self, user: User, conversation_id: UUID) -> None:
        conversation, _ = await open_conversation(self._conversations, conversation_id, user)
        others = [
            m.user_id
            for m in await self._conversations.members(conversation.id)
            if m.user_id != user.id
        ]
        data = {"conversation_id": str(conversation.id), "user": user.username.value}
        await self._broadcast.send_now(self._broadcast.event(LiveKind.TYPING, data, others))
