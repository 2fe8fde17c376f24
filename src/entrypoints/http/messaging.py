"""Messaging (seed 001): the user directory `/api/users`, profiles through `PATCH /me`,
messages (`/api/messages`) and conversations (`/api/conversations`). Every route is for
signed-in users; an API key gets 403."""

import asyncio
import json
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.openapi.spec import OpenAPIType
from litestar.params import (
    FromPath,
    HeaderParameter,
    JSONBody,
    KwargDefinition,
    PathParameter,
    QueryParameter,
)
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.accounts.authenticate import Principal
from application.messaging.add_contact import AddContact, ContactCommand
from application.messaging.add_members import AddMembers, AddMembersCommand
from application.messaging.add_reaction import AddReaction, ReactionCommand
from application.messaging.block_user import BlockCommand, BlockUser
from application.messaging.create_group import CreateGroup, CreateGroupCommand
from application.messaging.delete_message import DeleteMessage, DeleteMessageCommand
from application.messaging.deliveries import Deliveries
from application.messaging.drafts import AttachmentInput, Draft, Sent
from application.messaging.edit_message import EditMessage, EditMessageCommand
from application.messaging.list_blocks import ListBlocks, ListBlocksQuery
from application.messaging.list_contacts import ListContacts, ListContactsQuery
from application.messaging.list_conversations import ListConversations, ListConversationsQuery
from application.messaging.list_messages import ListMessages, ListMessagesQuery
from application.messaging.list_user_messages import ListUserMessages, ListUserMessagesQuery
from application.messaging.list_users import ListUsers, ListUsersQuery
from application.messaging.mark_read import MarkRead, MarkReadCommand
from application.messaging.post_message import PostMessage, PostMessageCommand
from application.messaging.remove_contact import RemoveContact
from application.messaging.remove_member import RemoveMember, RemoveMemberCommand
from application.messaging.remove_reaction import RemoveReaction
from application.messaging.replay_events import REPLAY_PAGE, ReplayEvents
from application.messaging.send_message import SendMessage, SendMessageCommand
from application.messaging.typing_notice import SendTyping
from application.messaging.unblock_user import UnblockUser
from application.messaging.update_profile import KEEP, UpdateProfile, UpdateProfileCommand
from application.paging import LIMITS, Page
from application.ports.messaging import LiveChannel, RenderedPage
from domain.accounts import USERNAME_MAX, User
from domain.errors import FieldErrors
from domain.messaging import (
    ATTACHMENTS_MAX,
    BODY_MAX_CODE_POINTS,
    CLIENT_MSG_ID_MAX,
    CONTENT_TYPE_MAX,
    CONTENT_TYPE_PATTERN,
    CONTROLS,
    DIMENSION_MAX,
    GROUP_MEMBERS_MAX,
    NO_CONTROLS_PATTERN,
    PROFILE_NAME_MAX,
    REACTION_PATTERN,
    TITLE_MAX,
    URL_MAX,
    URL_PATTERN,
    Attachment,
    Contact,
    ContactStatus,
    ConversationKind,
    ConversationSummary,
    DirectoryEntry,
    LiveEvent,
    LiveKind,
    Member,
    MemberRole,
    Message,
    Reaction,
    message_id,
)
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    EXAMPLE_USER_ID,
    NO_NUL,
    IdCursor,
    documented,
    problem_responses,
    rules,
    text,
)
from entrypoints.http.security import SECURITY

_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_MaybeTime = Annotated[datetime | None, documented(EXAMPLE_TIME)]
_Username = Annotated[str, documented("ann.lee")]
_Name = Annotated[str | None, documented("Ann")]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]
_Cursor = Annotated[
    str | None, QueryParameter(max_length=200, description="`next_cursor` of the previous page")
]


def _name_text(example: str) -> KwargDefinition:
    return documented(example, max_length=PROFILE_NAME_MAX, pattern=f"^{NO_CONTROLS_PATTERN}$")


class ProfilePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out keep their value; null (or blank) clears one."""

    first_name: Annotated[str | msgspec.UnsetType | None, _name_text("Ann")] = msgspec.UNSET
    last_name: Annotated[str | msgspec.UnsetType | None, _name_text("Lee")] = msgspec.UNSET
    contacts_only: Annotated[
        bool | None, documented(False, description="direct messages from contacts only")
    ] = None


class UserOut(msgspec.Struct):
    username: _Username
    first_name: _Name
    last_name: _Name
    created_at: _Time

    @classmethod
    def of(cls, e: DirectoryEntry) -> "UserOut":
        return cls(e.username, e.first_name, e.last_name, e.created_at)


class ProfileOut(msgspec.Struct):
    id: Annotated[UUID, documented(EXAMPLE_USER_ID)]
    username: _Username
    first_name: _Name
    last_name: _Name
    contacts_only: bool


class UserPageOut(msgspec.Struct):
    items: list[UserOut]
    next_cursor: Annotated[str | None, documented("YW5uLmxlZQ")]


def _keep_unset(value: object) -> object:
    return KEEP if value is msgspec.UNSET else value


@patch(
    "/me",
    tags=["messaging"],
    summary="Change your profile (first_name, last_name, contacts_only); fields left out stay",
    security=SECURITY,
    responses=problem_responses(401, 413, 415, 422),
)
async def update_me(
    principal: NamedDependency[Principal],
    data: JSONBody[ProfilePatch],
    update: FromDishka[UpdateProfile],
) -> ProfileOut:
    user = principal.user
    cmd = UpdateProfileCommand(
        user, _keep_unset(data.first_name), _keep_unset(data.last_name), data.contacts_only
    )
    p = await update(cmd)
    return ProfileOut(user.id, user.username.value, p.first_name, p.last_name, p.contacts_only)


class UserDirectoryController(Controller):
    path = "/api/users"
    tags = ["messaging"]
    security = SECURITY

    @get(
        summary="The user directory: usernames starting with `q`, in username order",
        responses=problem_responses(401, 422),
    )
    async def list_users(
        self,
        principal: NamedDependency[Principal],
        list_users: FromDishka[ListUsers],
        q: Annotated[
            str,
            QueryParameter(
                description="a username prefix, any case",
                **rules(maxLength=USERNAME_MAX, pattern="^[A-Za-z0-9_.-]*$"),
            ),
        ] = "",
        limit: _Limit = LIMITS.default,
        cursor: _Cursor = None,
    ) -> UserPageOut:
        page = await list_users(ListUsersQuery(principal.user, q, limit, cursor))
        return UserPageOut([UserOut.of(e) for e in page.items], page.next_cursor)


# Messages and conversations.

_Id = Annotated[UUID, documented(EXAMPLE_ID)]
_ClientMsgId = Annotated[
    str | None,
    documented(
        "c-7f3a9e",
        min_length=1,
        max_length=CLIENT_MSG_ID_MAX,
        pattern="^[!-~]+$",
        description="your own id of the message: a retried send returns the first one",
    ),
]
_IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="as `client_msg_id`: a retried send returns the first message",
        **rules(minLength=1, maxLength=CLIENT_MSG_ID_MAX, pattern="^[!-~]+$"),
    ),
]
_Body = Annotated[
    str,
    text(
        "Hi Bugs, what's up? \U0001f955",
        BODY_MAX_CODE_POINTS,
        description=(
            "kept exactly as sent; at most 4,000 code points and 12,000 UTF-8 bytes; "
            "may be empty when there are attachments"
        ),
    ),
]


class AttachmentIO(msgspec.Struct, forbid_unknown_fields=True):
    """A link to a file, never fetched by Herald; a GIF is an image link."""

    url: Annotated[
        str,
        documented(
            "https://media.example.com/carrot.gif", max_length=URL_MAX, pattern=f"^{URL_PATTERN}$"
        ),
    ]
    content_type: Annotated[
        str,
        documented("image/gif", max_length=CONTENT_TYPE_MAX, pattern=f"^{CONTENT_TYPE_PATTERN}$"),
    ]
    width: Annotated[int | None, documented(480, ge=1, le=DIMENSION_MAX)] = None
    height: Annotated[int | None, documented(270, ge=1, le=DIMENSION_MAX)] = None

    @classmethod
    def of(cls, a: Attachment) -> "AttachmentIO":
        return cls(a.url, a.content_type, a.width, a.height)


_Attachments = Annotated[
    list[AttachmentIO], documented(max_items=ATTACHMENTS_MAX, description="https links")
]


def _inputs(attachments: list[AttachmentIO]) -> list[AttachmentInput]:
    return [AttachmentInput(a.url, a.content_type, a.width, a.height) for a in attachments]


class MessageIn(msgspec.Struct, forbid_unknown_fields=True):
    recipient_user_name: Annotated[str, documented("bugs", pattern=NO_NUL)]
    body: _Body
    attachments: _Attachments = msgspec.field(default_factory=list)
    sender_user_name: Annotated[
        str | None,
        documented("ann.lee", pattern=NO_NUL, description="the seed's field: must be you"),
    ] = None
    client_msg_id: _ClientMsgId = None


class PostIn(msgspec.Struct, forbid_unknown_fields=True):
    body: _Body
    attachments: _Attachments = msgspec.field(default_factory=list)
    client_msg_id: _ClientMsgId = None


class ReactionOut(msgspec.Struct):
    emoji: Annotated[str, documented("\U0001f955")]
    count: Annotated[int, documented(2)]
    mine: Annotated[bool, documented(True, description="you gave it")]

    @classmethod
    def of(cls, r: Reaction, viewer: UUID) -> "ReactionOut":
        return cls(r.emoji, len(r.user_ids), viewer in r.user_ids)


class MessageOut(msgspec.Struct):
    """A message as the caller sees it: `delivered_at` and `read_at` are their own copy's
    when they received it, and when the last recipient had it when they sent it."""

    id: _Id
    conversation_id: _Id
    sender: _Username
    body: str
    attachments: list[AttachmentIO]
    reactions: Annotated[list[ReactionOut], documented(description="most given first")]
    created_at: _Time
    edited_at: _MaybeTime
    deleted: bool
    delivered_at: _MaybeTime
    read_at: _MaybeTime
    client_msg_id: _ClientMsgId

    @classmethod
    def of(cls, m: Message, viewer: UUID) -> "MessageOut":
        delivered_at, read_at = m.seen_by(viewer)
        return cls(
            id=m.id,
            conversation_id=m.conversation_id,
            sender=m.sender,
            body=m.body,
            attachments=[AttachmentIO.of(a) for a in m.attachments],
            reactions=[ReactionOut.of(r, viewer) for r in m.reactions],
            created_at=m.created_at,
            edited_at=m.edited_at,
            deleted=m.deleted_at is not None,
            delivered_at=delivered_at,
            read_at=read_at,
            # Only the sender gave it, and only they need it.
            client_msg_id=m.client_msg_id if viewer == m.sender_id else None,
        )


class MessagePageOut(msgspec.Struct):
    items: list[MessageOut]
    next_cursor: Annotated[str | None, documented("AZNuAsf6cQKZ9T5rMYB2Ww")]

    @classmethod
    def of(cls, page: Page[Message], viewer: UUID) -> "MessagePageOut":
        return cls([MessageOut.of(m, viewer) for m in page.items], page.next_cursor)


def _rendered(page: RenderedPage) -> bytes:
    """The body of a `MessagePageOut` around items the database rendered."""
    cursor = b"null" if page.next_cursor is None else b'"%s"' % page.next_cursor.encode()
    return b'{"items":%s,"next_cursor":%s}' % (page.items.encode(), cursor)


def _sent(sent: Sent, viewer: UUID) -> Response[MessageOut]:
    status = HTTP_201_CREATED if sent.created else HTTP_200_OK
    return Response(MessageOut.of(sent.message, viewer), status_code=status)


class MemberOut(msgspec.Struct):
    username: _Username
    role: MemberRole
    joined_at: _Time

    @classmethod
    def of(cls, m: Member) -> "MemberOut":
        return cls(m.username, m.role, m.joined_at)


class ConversationOut(msgspec.Struct):
    id: _Id
    kind: ConversationKind
    title: Annotated[str | None, documented("Carrot club", description="groups only")]
    created_at: _Time
    members: list[MemberOut]
    last_message: MessageOut | None = None
    unread: Annotated[int, documented(3, description="messages you have not read")] = 0

    @classmethod
    def of(cls, s: ConversationSummary, viewer: UUID) -> "ConversationOut":
        c = s.conversation
        last = None if s.last_message is None else MessageOut.of(s.last_message, viewer)
        members = [MemberOut.of(m) for m in s.members]
        return cls(c.id, c.kind, c.title, c.created_at, members, last, s.unread)


class ConversationPageOut(msgspec.Struct):
    items: list[ConversationOut]
    next_cursor: Annotated[str | None, documented("AZNuAsf6cQKZ9T5rMYB2Ww")]


_Members = Annotated[list[str], documented(["bugs", "daffy"], max_items=GROUP_MEMBERS_MAX - 1)]


class GroupIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[
        str,
        documented(
            "Carrot club",
            min_length=1,
            max_length=TITLE_MAX,
            pattern=f"^{NO_CONTROLS_PATTERN}[^\\s{CONTROLS}]{NO_CONTROLS_PATTERN}$",
        ),
    ]
    members: _Members


class MembersIn(msgspec.Struct, forbid_unknown_fields=True):
    members: _Members


class ReadIn(msgspec.Struct, forbid_unknown_fields=True):
    up_to: Annotated[
        str, documented(EXAMPLE_ID, max_length=64, format="uuid", description="a message id")
    ]


class ReadOut(msgspec.Struct):
    conversation_id: _Id
    up_to: Annotated[UUID | None, documented(EXAMPLE_ID, description="your read marker now")]
    unread: Annotated[int, documented(0)]


class EditIn(msgspec.Struct, forbid_unknown_fields=True):
    body: _Body
    attachments: Annotated[
        list[AttachmentIO] | None,
        documented(max_items=ATTACHMENTS_MAX, description="left out: they stay"),
    ] = None


class MessageController(Controller):
    path = "/api/messages"
    tags = ["messaging"]
    security = SECURITY

    @post(
        summary="Send a message to a user, in your direct conversation with them",
        description=(
            "The sender is you: a `sender_user_name` naming anyone else is a 403. An unknown "
            "recipient is a 404. With `client_msg_id` (or an `Idempotency-Key` header) a "
            "retried send answers the first message with 200 and stores nothing. A user who "
            "blocked you, or takes messages from contacts only, answers 403; too many sends, "
            "429 with `Retry-After`."
        ),
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422, 429),
    )
    async def send(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[MessageIn],
        send: FromDishka[SendMessage],
        idempotency_key: _IdempotencyKey = None,
    ) -> Response[MessageOut]:
        user = principal.user
        draft = Draft(data.body, _inputs(data.attachments), data.client_msg_id, idempotency_key)
        cmd = SendMessageCommand(user, data.recipient_user_name, draft, data.sender_user_name)
        return _sent(await send(cmd), user.id)

    @get(
        "/{user_name:str}",
        summary="Your messages: all of them (your own name), or those with one user",
        description=(
            "Newest first, a page at a time, no older than `since` (by default "
            "`HERALD_MESSAGES_DEFAULT_DAYS`, 30 days). Your own name: every message you sent "
            "or received; another user's: your direct conversation with them (404 for an "
            "unknown user). Nobody, admins included, reads other people's messages."
        ),
        responses=problem_responses(401, 403, 404, 422),
    )
    async def read(
        self,
        principal: NamedDependency[Principal],
        user_name: FromPath[str],
        list_messages: FromDishka[ListUserMessages],
        since: Annotated[
            str | None,
            QueryParameter(
                description="ISO 8601 with an offset, e.g. 2026-11-01T00:00:00Z",
                max_length=64,
                **rules(format="date-time"),
            ),
        ] = None,
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> Response[MessagePageOut]:
        user = principal.user
        page = await list_messages(ListUserMessagesQuery(user, user_name, since, limit, cursor))
        if isinstance(page, RenderedPage):
            # Bytes where the type says the struct: they are its JSON already.
            return Response(_rendered(page), media_type=MediaType.JSON)  # type: ignore[arg-type]
        return Response(MessagePageOut.of(page, user.id))


_MessageId = Annotated[
    str | None, QueryParameter(max_length=64, description="a message id", **rules(format="uuid"))
]


_Emoji = Annotated[
    str,
    PathParameter(
        description="an emoji or :shortcode:, URL-encoded", **rules(pattern=f"^{REACTION_PATTERN}$")
    ),
]


class ConversationController(Controller):
    path = "/api/conversations"
    tags = ["messaging"]
    security = SECURITY

    @post(
        summary="Start a group conversation; you are its owner",
        responses=problem_responses(401, 403, 413, 415, 422),
    )
    async def create(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[GroupIn],
        create: FromDishka[CreateGroup],
    ) -> ConversationOut:
        user = principal.user
        group = await create(CreateGroupCommand(user, data.title, data.members))
        summary = ConversationSummary(group.conversation, tuple(group.members), None, 0)
        return ConversationOut.of(summary, user.id)

    @get(
        summary="Your conversations, latest activity first, with last message and unread count",
        responses=problem_responses(401, 403, 422),
    )
    async def list_mine(
        self,
        principal: NamedDependency[Principal],
        list_conversations: FromDishka[ListConversations],
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> ConversationPageOut:
        user = principal.user
        page = await list_conversations(ListConversationsQuery(user, limit, cursor))
        return ConversationPageOut(
            [ConversationOut.of(s, user.id) for s in page.items], page.next_cursor
        )

    @get(
        "/{conversation_id:uuid}/messages",
        summary="A conversation's messages by id: newest first below `before`, or after `after`",
        description=(
            "Without `before` and `after`: the latest. `before`: older ones, newest first. "
            "`after` alone: newer ones, oldest first (catching up). `next_cursor` is the "
            "message id to pass on as `before` (or `after` when reading forward). For its "
            "members only (403)."
        ),
        responses=problem_responses(401, 403, 404, 422),
    )
    async def messages(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        list_messages: FromDishka[ListMessages],
        before: _MessageId = None,
        after: _MessageId = None,
        limit: _Limit = LIMITS.default,
    ) -> MessagePageOut:
        user = principal.user
        page = await list_messages(ListMessagesQuery(user, conversation_id, before, after, limit))
        return MessagePageOut.of(page, user.id)

    @post(
        "/{conversation_id:uuid}/messages",
        summary="Post to a conversation you are a member of (group or direct)",
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422, 429),
    )
    async def post_message(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        data: JSONBody[PostIn],
        post_message: FromDishka[PostMessage],
        idempotency_key: _IdempotencyKey = None,
    ) -> Response[MessageOut]:
        user = principal.user
        draft = Draft(data.body, _inputs(data.attachments), data.client_msg_id, idempotency_key)
        return _sent(await post_message(PostMessageCommand(user, conversation_id, draft)), user.id)

    @post(
        "/{conversation_id:uuid}/members",
        summary="Add members to a group (owners); answers its members",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    )
    async def add_members(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        data: JSONBody[MembersIn],
        add: FromDishka[AddMembers],
    ) -> list[MemberOut]:
        members = await add(AddMembersCommand(principal.user, conversation_id, data.members))
        return [MemberOut.of(m) for m in members]

    @delete(
        "/{conversation_id:uuid}/members/{user_name:str}",
        summary="Remove a member of a group (owners), or leave it (your own name)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def remove_member(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        user_name: FromPath[str],
        remove: FromDishka[RemoveMember],
    ) -> None:
        await remove(RemoveMemberCommand(principal.user, conversation_id, user_name))

    @post(
        "/{conversation_id:uuid}/read",
        summary="Move your read marker forward to a message; unread counts follow",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 413, 415, 422),
    )
    async def read(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        data: JSONBody[ReadIn],
        mark_read: FromDishka[MarkRead],
    ) -> ReadOut:
        marker = await mark_read(MarkReadCommand(principal.user, conversation_id, data.up_to))
        return ReadOut(marker.conversation_id, marker.up_to, marker.unread)

    @patch(
        "/{conversation_id:uuid}/messages/{message_id:uuid}",
        summary="Edit your message, within HERALD_MESSAGES_EDIT_WINDOW_SECONDS of sending it",
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    )
    async def edit(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        message_id: FromPath[UUID],
        data: JSONBody[EditIn],
        edit: FromDishka[EditMessage],
    ) -> MessageOut:
        user = principal.user
        attachments = None if data.attachments is None else _inputs(data.attachments)
        cmd = EditMessageCommand(user, conversation_id, message_id, data.body, attachments)
        return MessageOut.of(await edit(cmd), user.id)

    @delete(
        "/{conversation_id:uuid}/messages/{message_id:uuid}",
        summary="Delete your message: its body goes, a tombstone stays",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def delete_message(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        message_id: FromPath[UUID],
        remove: FromDishka[DeleteMessage],
    ) -> None:
        await remove(DeleteMessageCommand(principal.user, conversation_id, message_id))

    @put(
        "/{conversation_id:uuid}/messages/{message_id:uuid}/reactions/{emoji:str}",
        summary="React with an emoji (one of each per user); answers the message",
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def react(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        message_id: FromPath[UUID],
        emoji: _Emoji,
        react: FromDishka[AddReaction],
    ) -> MessageOut:
        user = principal.user
        message = await react(ReactionCommand(user, conversation_id, message_id, emoji))
        return MessageOut.of(message, user.id)

    @delete(
        "/{conversation_id:uuid}/messages/{message_id:uuid}/reactions/{emoji:str}",
        summary="Take your emoji off a message; answers the message",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def unreact(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        message_id: FromPath[UUID],
        emoji: _Emoji,
        unreact: FromDishka[RemoveReaction],
    ) -> MessageOut:
        user = principal.user
        message = await unreact(ReactionCommand(user, conversation_id, message_id, emoji))
        return MessageOut.of(message, user.id)

    @post(
        "/{conversation_id:uuid}/typing",
        summary="Tell the other members you are typing (live streams only)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404),
    )
    async def typing(
        self,
        principal: NamedDependency[Principal],
        conversation_id: FromPath[UUID],
        send_typing: FromDishka[SendTyping],
    ) -> None:
        await send_typing(principal.user, conversation_id)


class ContactOut(msgspec.Struct):
    user: UserOut
    status: Annotated[
        ContactStatus,
        documented(description="contact; requested: by you; pending: they asked, PUT accepts"),
    ]

    @classmethod
    def of(cls, c: Contact) -> "ContactOut":
        return cls(UserOut.of(c.user), c.status)


class ContactPageOut(msgspec.Struct):
    items: list[ContactOut]
    next_cursor: Annotated[str | None, documented("YW5uLmxlZQ")]


class BlockController(Controller):
    path = "/api/blocks"
    tags = ["messaging"]
    security = SECURITY

    @put(
        "/{user_name:str}",
        summary="Block a user (201; 200 if blocked already): no direct messages either way",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def block(
        self,
        principal: NamedDependency[Principal],
        user_name: FromPath[str],
        block: FromDishka[BlockUser],
    ) -> Response[UserOut]:
        blocked, made = await block(BlockCommand(principal.user, user_name))
        return Response(UserOut.of(blocked), status_code=HTTP_201_CREATED if made else HTTP_200_OK)

    @delete(
        "/{user_name:str}",
        summary="Lift a block",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404),
    )
    async def unblock(
        self,
        principal: NamedDependency[Principal],
        user_name: FromPath[str],
        unblock: FromDishka[UnblockUser],
    ) -> None:
        await unblock(BlockCommand(principal.user, user_name))

    @get(
        summary="The users you blocked, in username order",
        responses=problem_responses(401, 403, 422),
    )
    async def list_blocks(
        self,
        principal: NamedDependency[Principal],
        list_blocks: FromDishka[ListBlocks],
        limit: _Limit = LIMITS.default,
        cursor: _Cursor = None,
    ) -> UserPageOut:
        page = await list_blocks(ListBlocksQuery(principal.user, limit, cursor))
        return UserPageOut([UserOut.of(e) for e in page.items], page.next_cursor)


class ContactController(Controller):
    path = "/api/contacts"
    tags = ["messaging"]
    security = SECURITY

    @put(
        "/{user_name:str}",
        summary="Ask a user to be your contact, or accept their request",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def add(
        self,
        principal: NamedDependency[Principal],
        user_name: FromPath[str],
        add: FromDishka[AddContact],
    ) -> ContactOut:
        return ContactOut.of(await add(ContactCommand(principal.user, user_name)))

    @delete(
        "/{user_name:str}",
        summary="Withdraw your request, or end a contact",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 404),
    )
    async def remove(
        self,
        principal: NamedDependency[Principal],
        user_name: FromPath[str],
        remove: FromDishka[RemoveContact],
    ) -> None:
        await remove(ContactCommand(principal.user, user_name))

    @get(
        summary="Your contacts and requests either way, in username order",
        responses=problem_responses(401, 403, 422),
    )
    async def list_contacts(
        self,
        principal: NamedDependency[Principal],
        list_contacts: FromDishka[ListContacts],
        limit: _Limit = LIMITS.default,
        cursor: _Cursor = None,
    ) -> ContactPageOut:
        page = await list_contacts(ListContactsQuery(principal.user, limit, cursor))
        return ContactPageOut([ContactOut.of(c) for c in page.items], page.next_cursor)


# Live delivery.

HEARTBEAT_SECONDS = 15.0  # a comment line this often keeps idle streams through proxies


def _sse(event: LiveEvent) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=event.data, event=event.kind.value, id=str(event.id))


async def live_events(
    container: AsyncContainer, user: User, after: UUID | None
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """Subscribed first, then the replay from the log, then what arrives live (an event
    both replayed and published is sent once): nothing falls between the two."""
    channel = await container.get(LiveChannel)
    async with channel.listen(user.id) as live:
        last = after
        while last is not None:
            async with container() as scope:
                page = await (await scope.get(ReplayEvents))(user, last)
            for event in page:
                yield _sse(event)
                last = event.id
            if len(page) < REPLAY_PAGE:
                break
        yield ServerSentEventMessage(comment="live", data=None)
        upcoming = asyncio.ensure_future(anext(live))
        try:
            while True:
                done, _ = await asyncio.wait([upcoming], timeout=HEARTBEAT_SECONDS)
                if not done:
                    yield ServerSentEventMessage(comment="ping", data=None)
                    continue
                event = upcoming.result()
                upcoming = asyncio.ensure_future(anext(live))
                if last is not None and event.id <= last:
                    continue
                yield _sse(event)
                if event.kind is LiveKind.MESSAGE:
                    async with container() as scope:
                        deliveries = await scope.get(Deliveries)
                        await deliveries.streamed(user.id, [_message_id(event)])
        finally:
            upcoming.cancel()


def _message_id(event: LiveEvent) -> UUID:
    return UUID(json.loads(event.data)["id"])


@get(
    "/api/stream",
    tags=["messaging"],
    summary="Your live events, as server-sent events",
    description=(
        "Events `message`, `message.edited`, `message.deleted`, `reactions`, `read`, "
        "`members` and `typing`, each with its id and JSON data. Reconnect with the "
        "`Last-Event-ID` header (browsers' EventSource does) to get what you missed, from "
        "the database, before the live ones; `typing` is not replayed. A `: ping` comment "
        "comes every 15 seconds of quiet. Messages reaching the stream are delivered."
    ),
    security=SECURITY,
    media_type="text/event-stream",
    responses=problem_responses(401, 403, 422),
)
async def stream(
    principal: NamedDependency[Principal],
    request: Request[Any, Any, Any],
    last_event_id: Annotated[
        str | None,
        HeaderParameter(
            name="Last-Event-ID",
            description="the id of the last event you got",
            # A header is text or absent, never null: its schema says only the text.
            **rules(type=OpenAPIType.STRING, one_of=None, maxLength=64, format="uuid"),
        ),
    ] = None,
) -> ServerSentEvent:
    container: AsyncContainer = request.app.state.dishka_container
    errors = FieldErrors()
    after = (
        None if last_event_id is None else errors.check("Last-Event-ID", message_id, last_event_id)
    )
    errors.raise_if_any()
    return ServerSentEvent(live_events(container, principal.user, after))
