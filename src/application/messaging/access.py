"""Finding what a use case acts on: a conversation the caller is a member of, a user by
name."""

from uuid import UUID

from application.policy import require_member
from application.ports.messaging import ConversationRepository, UserDirectory
from domain.accounts import User, Username
from domain.errors import InvalidValue, NotFound
from domain.messaging import Conversation, DirectoryEntry, Member


async def open_conversation(
    conversations: ConversationRepository, conversation_id: UUID, caller: User
) -> tuple[Conversation, Member]:
    """The conversation and the caller's membership: NotFound when there is none,
    PermissionDenied when the caller is not a member."""
    found = await conversations.get(conversation_id)
    if found is None:
        raise NotFound(f"no conversation with id {conversation_id}")
    member = await conversations.member(conversation_id, caller.id)
    return found, require_member(member, found)


async def find_user(directory: UserDirectory, raw: str) -> DirectoryEntry:
    """The enabled user with this name (any case); NotFound otherwise, also for a name
    no user can have."""
    try:
        name = Username(raw).value
    except InvalidValue:
        raise NotFound(f"no user named {raw!r}") from None
    found = await directory.find(name)
    if found is None:
        raise NotFound(f"no user named {name!r}")
    return found
