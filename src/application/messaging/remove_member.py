from dataclasses import dataclass, replace
from uuid import UUID

from application.messaging.access import find_user, open_conversation
from application.messaging.live import Broadcast, members_data
from application.policy import require_owner
from application.ports.messaging import ConversationRepository, UserDirectory
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import Conflict, NotFound
from domain.messaging import LiveKind, MemberRole


@dataclass(frozen=True, slots=True)
class RemoveMemberCommand:
    requester: User
    conversation_id: UUID
    username: str


class RemoveMember:
    """Remove a member from a group (`DELETE /api/conversations/{id}/members/{name}`):
    an owner removes anyone, every member may remove themselves (leave). When the last
    owner leaves, the longest-standing member becomes owner. A direct conversation has
    no members to remove (Conflict); one who is not a member is NotFound."""

    def __init__(
        self,
        directory: UserDirectory,
        conversations: ConversationRepository,
        tx: TransactionManager,
        broadcast: Broadcast,
    ) -> None:
        self._broadcast = broadcast
        self._directory = directory
        self._conversations = conversations
        self._tx = tx

    async def __call__(self, cmd: RemoveMemberCommand) -> None:
        conversation, me = await open_conversation(
            self._conversations, cmd.conversation_id, cmd.requester
        )
        if conversation.is_direct:
            raise Conflict("a direct conversation keeps its two members")
        target = await find_user(self._directory, cmd.username)
        if target.user_id != me.user_id:
            require_owner(me)
        if not await self._conversations.remove_member(conversation.id, target.user_id):
            raise NotFound(f"{target.username!r} is not a member of this conversation")
        rest = await self._conversations.members(conversation.id)
        if rest and not any(m.is_owner for m in rest):
            rest[0] = replace(rest[0], role=MemberRole.OWNER)
            await self._conversations.set_role(rest[0])
        to = [target.user_id, *(m.user_id for m in rest)]
        await self._broadcast.record(LiveKind.MEMBERS, members_data(conversation.id, rest), to)
        await self._tx.commit()
        await self._broadcast.publish()
