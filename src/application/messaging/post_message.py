from dataclasses import dataclass
from uuid import UUID

from application.messaging.access import open_conversation
from application.messaging.drafts import Draft, Poster, Sent, check_draft
from application.messaging.gate import SendGate
from application.ports.messaging import ConversationRepository
from domain.accounts import User
from domain.errors import FieldErrors


@dataclass(frozen=True, slots=True)
class PostMessageCommand:
    sender: User
    conversation_id: UUID
    draft: Draft


class PostMessage:
    """Post to a conversation, direct or group (`POST /api/conversations/{id}/messages`):
    its members only (PermissionDenied otherwise; NotFound for no such conversation).
    Every other member gets a receipt. Idempotent by `client_msg_id`, rate limited, and
    in a direct conversation subject to blocks and contacts-only, as `SendMessage`."""

    def __init__(
        self, conversations: ConversationRepository, poster: Poster, gate: SendGate
    ) -> None:
        self._conversations = conversations
        self._poster = poster
        self._gate = gate

    async def __call__(self, cmd: PostMessageCommand) -> Sent:
        errors = FieldErrors()
        draft = check_draft(cmd.draft, errors)
        errors.raise_if_any()
        conversation, _ = await open_conversation(
            self._conversations, cmd.conversation_id, cmd.sender
        )
        first = await self._poster.earlier(cmd.sender, draft)
        if first is not None:
            return Sent(first, created=False)
        others = [
            m.user_id
            for m in await self._conversations.members(conversation.id)
            if m.user_id != cmd.sender.id
        ]
        await self._gate.pace(cmd.sender.id)
        if conversation.is_direct:
            for other in others:
                await self._gate.direct(cmd.sender.id, other)
        return await self._poster.post(conversation, cmd.sender, others, draft)
