from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.messaging.access import open_conversation
from application.messaging.create_group import resolve_members
from application.messaging.live import Broadcast, members_data
from application.policy import require_owner
from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, UserDirectory
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import Conflict, InvalidInput
from domain.messaging import GROUP_MEMBERS_MAX, LiveKind, Member, MemberRole


@dataclass(frozen=True, slots=True)
class AddMembersCommand:
    requester: User
    conversation_id: UUID
    usernames: Sequence[str]


class AddMembers:
    """An owner adds users to a group (`POST /api/conversations/{id}/members`); one
    already a member stays as they are. A direct conversation takes no members
    (Conflict); a group holds at most 256. Answers the members after the change."""

    def __init__(
        self,
        directory: UserDirectory,
        conversations: ConversationRepository,
        clock: Clock,
        tx: TransactionManager,
        broadcast: Broadcast,
    ) -> None:
        self._broadcast = broadcast
        self._directory = directory
        self._conversations = conversations
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: AddMembersCommand) -> list[Member]:
        conversation, me = await open_conversation(
            self._conversations, cmd.conversation_id, cmd.requester
        )
        if conversation.is_direct:
            raise Conflict("a direct conversation is between two users: start a group instead")
        require_owner(me)
        if not 1 <= len(cmd.usernames) < GROUP_MEMBERS_MAX:
            raise InvalidInput.field("members", f"must name 1 to {GROUP_MEMBERS_MAX - 1} users")
        found = await resolve_members(self._directory, cmd.usernames)
        current = await self._conversations.members(conversation.id)
        present = {m.user_id for m in current}
        now = self._clock.now()
        new = [
            Member(conversation.id, u.user_id, u.username, MemberRole.MEMBER, now)
            for u in found
            if u.user_id not in present
        ]
        if len(current) + len(new) > GROUP_MEMBERS_MAX:
            raise Conflict(f"a group holds at most {GROUP_MEMBERS_MAX} members")
        await self._conversations.add_members(new)
        everyone = current + new
        if new:
            to = [m.user_id for m in everyone]
            await self._broadcast.record(
                LiveKind.MEMBERS, members_data(conversation.id, everyone), to
            )
        await self._tx.commit()
        await self._broadcast.publish()
        return everyone
