from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.messaging.access import open_message
from application.messaging.config import MessagingConfig
from application.messaging.drafts import AttachmentInput, Draft, check_draft
from application.messaging.live import Broadcast, member_ids, message_data
from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, MessageRepository
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import FieldErrors, PermissionDenied
from domain.messaging import LiveKind, Message


@dataclass(frozen=True, slots=True)
class EditMessageCommand:
    editor: User
    conversation_id: UUID
    message_id: UUID
    body: str
    attachments: Sequence[AttachmentInput] | None = None  # None: keep them


class EditMessage:
    """Change a message's text (`PATCH /api/conversations/{id}/messages/{message_id}`):
    its sender only (PermissionDenied), within the edit window after sending
    (`HERALD_MESSAGES_EDIT_WINDOW_SECONDS`) and not once deleted (Conflict). The text
    follows the rules of a new message; attachments left out stay."""

    def __init__(
        self,
        conversations: ConversationRepository,
        messages: MessageRepository,
        clock: Clock,
        tx: TransactionManager,
        config: MessagingConfig,
        broadcast: Broadcast,
    ) -> None:
        self._broadcast = broadcast
        self._conversations = conversations
        self._messages = messages
        self._clock = clock
        self._tx = tx
        self._config = config

    async def __call__(self, cmd: EditMessageCommand) -> Message:
        errors = FieldErrors()
        draft = check_draft(Draft(cmd.body, cmd.attachments or ()), errors)
        errors.raise_if_any()
        _, found = await open_message(
            self._conversations, self._messages, cmd.conversation_id, cmd.message_id, cmd.editor
        )
        if found.sender_id != cmd.editor.id:
            raise PermissionDenied("only its sender may edit a message")
        attachments = found.attachments if cmd.attachments is None else draft.attachments
        edited = found.edit(draft.body, attachments, self._clock.now(), self._config.edit_window)
        await self._messages.update(edited)
        to = await member_ids(self._conversations, found.conversation_id)
        await self._broadcast.record(LiveKind.EDITED, message_data(edited), to)
        await self._tx.commit()
        await self._broadcast.publish()
        return edited
