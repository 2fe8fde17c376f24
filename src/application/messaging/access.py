"""Finding what a use case acts on: a conversation the caller is a member of, a user by
name."""

from uuid import UUID

from application.policy import require_member
from application.ports.messaging import ConversationRepository, MessageRepository, UserDirectory
from domain.accounts import User, Username
from domain.errors import InvalidValue, NotFound
from domain.messaging import Conversation, DirectoryEntry, Member, Message


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


def user_name(raw: str) -> str:
    """`raw` as a username (any case given); NotFound for a name no user can have."""
    try:
        return Username(raw).value
    except InvalidValue:
        raise NotFound(f"no user named {raw!r}") from None


def no_user(name: str) -> NotFound:
    return NotFound(f"no user named {name!r}")


async def find_user(directory: UserDirectory, raw: str) -> DirectoryEntry:
    """The enabled user with this name (any case); NotFound otherwise, also for a name
    no user can have."""
    name = user_name(raw)
    found = await directory.find(name)
    if found is None:
        raise no_user(name)
    return found


async def open_message(
    conversations: ConversationRepository,
    messages: MessageRepository,
    conversation_id: UUID,
    message_id: UUID,
    caller: User,
) -> tuple[Member, Message]:
    """A message of a conversation the caller is a member of (as `open_conversation`);
    NotFound when the conversation has no such message."""
    _, member = await open_conversation(conversations, conversation_id, caller)
    found = await messages.get(message_id)
    if found is None or found.conversation_id != conversation_id:
        raise NotFound(f"no message with id {message_id} in this conversation")
    return member, found
