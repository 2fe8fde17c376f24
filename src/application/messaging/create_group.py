from collections.abc import Sequence
from dataclasses import dataclass

from application.messaging.live import Broadcast, members_data
from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, UserDirectory
from application.ports.transactions import TransactionManager
from domain.accounts import User, Username
from domain.errors import FieldErrors, InvalidValue, NotFound
from domain.ids import new_id
from domain.messaging import (
    GROUP_MEMBERS_MAX,
    Conversation,
    ConversationKind,
    DirectoryEntry,
    LiveKind,
    Member,
    MemberRole,
    group_title,
)


@dataclass(frozen=True, slots=True)
class CreateGroupCommand:
    creator: User
    title: str
    members: Sequence[str]  # usernames; the creator joins as owner


@dataclass(frozen=True, slots=True)
class Group:
    conversation: Conversation
    members: list[Member]


async def resolve_members(
    directory: UserDirectory, usernames: Sequence[str]
) -> list[DirectoryEntry]:
    """The users these names (any case) name, each once; NotFound naming every name no
    enabled user has, as for the recipient of a message."""
    names: dict[str, str] = {}
    for raw in usernames:
        try:
            names[raw] = Username(raw).value
        except InvalidValue:
            names[raw] = ""
    found = await directory.find_many([n for n in names.values() if n])
    unknown = [raw for raw, name in names.items() if name not in found]
    if unknown:
        raise NotFound("no user named " + ", ".join(repr(raw) for raw in unknown))
    return list({found[n].user_id: found[n] for n in names.values()}.values())


class CreateGroup:
    """Start a group conversation (`POST /api/conversations`): a title of 1-200
    characters and up to 255 other members by username (NotFound for unknown ones); the
    creator is its owner, the others members. Naming oneself changes nothing."""

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

    async def __call__(self, cmd: CreateGroupCommand) -> Group:
        errors = FieldErrors()
        title = errors.check("title", group_title, cmd.title)
        if len(cmd.members) >= GROUP_MEMBERS_MAX:
            errors.add("members", f"must name at most {GROUP_MEMBERS_MAX - 1} other users")
        errors.raise_if_any()
        others = await resolve_members(self._directory, cmd.members)
        now = self._clock.now()
        ident = new_id()
        group = Conversation(ident, ConversationKind.GROUP, title, now, ident)
        me = cmd.creator
        members = [Member(ident, me.id, me.username.value, MemberRole.OWNER, now)] + [
            Member(ident, u.user_id, u.username, MemberRole.MEMBER, now)
            for u in others
            if u.user_id != me.id
        ]
        await self._conversations.add(group, members)
        data = {**members_data(ident, members), "title": title}
        await self._broadcast.record(LiveKind.MEMBERS, data, [m.user_id for m in members])
        await self._tx.commit()
        await self._broadcast.publish()
        return Group(group, members)
