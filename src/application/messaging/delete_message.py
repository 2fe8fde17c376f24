from dataclasses import dataclass
from uuid import UUID

from application.messaging.access import open_message
from application.messaging.live import Broadcast, member_ids, message_data
from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, MessageRepository
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import PermissionDenied
from domain.messaging import LiveKind, Message


@dataclass(frozen=True, slots=True)
class DeleteMessageCommand:
    deleter: User
    conversation_id: UUID
    message_id: UUID


class DeleteMessage:
    """Delete a message (`DELETE /api/conversations/{id}/messages/{message_id}`): its
    sender only, at any time. Soft: the body, attachments and reactions go, a tombstone
    (`deleted: true`) keeps its place. Deleting again changes nothing."""

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

    async def __call__(self, cmd: DeleteMessageCommand) -> Message:
        _, found = await open_message(
            self._conversations, self._messages, cmd.conversation_id, cmd.message_id, cmd.deleter
        )
        if found.sender_id != cmd.deleter.id:
            raise PermissionDenied("only its sender may delete a message")
        if found.deleted:
            return found
        gone = found.tombstone(self._clock.now())
        await self._messages.update(gone)
        to = await member_ids(self._conversations, found.conversation_id)
        await self._broadcast.record(LiveKind.DELETED, message_data(gone), to)
        await self._tx.commit()
        await self._broadcast.publish()
        return gone
