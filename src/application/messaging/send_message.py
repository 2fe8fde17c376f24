from dataclasses import dataclass

from application.messaging.access import no_user, user_name
from application.messaging.drafts import Draft, Poster, Sent, check_draft
from application.messaging.gate import SendGate
from application.policy import require_may_message
from application.ports.clock import Clock
from application.ports.messaging import ConversationRepository, DirectRoutes
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import FieldErrors, PermissionDenied
from domain.ids import new_id
from domain.messaging import (
    Conversation,
    ConversationKind,
    DirectoryEntry,
    Member,
    MemberRole,
    direct_key,
)


@dataclass(frozen=True, slots=True)
class SendMessageCommand:
    sender: User
    recipient_user_name: str
    draft: Draft
    sender_user_name: str | None = None  # the seed's field: must be the caller


class SendMessage:
    """Send a message to a user (`POST /api/messages`), in the one direct conversation
    of the pair, made on its first message. The sender is the caller: a
    `sender_user_name` naming anyone else is PermissionDenied. An unknown recipient is
    NotFound; messaging oneself is a bad field. With a `client_msg_id` (or
    Idempotency-Key) a retried send answers the first message and stores nothing (and
    counts against no limit). Sends are rate limited per user (RateLimited); between
    users one of whom blocked the other, or to a user taking direct messages from
    contacts only, they are PermissionDenied, saying no more. What it needs to know of
    the recipient is one read (`DirectRoutes`)."""

    def __init__(
        self,
        routes: DirectRoutes,
        conversations: ConversationRepository,
        poster: Poster,
        clock: Clock,
        gate: SendGate,
        tx: TransactionManager,
    ) -> None:
        self._tx = tx
        self._gate = gate
        self._routes = routes
        self._conversations = conversations
        self._poster = poster
        self._clock = clock

    async def __call__(self, cmd: SendMessageCommand) -> Sent:
        me = cmd.sender
        named = cmd.sender_user_name
        if named is not None and named.strip().casefold() != me.username.value:
            raise PermissionDenied("sender_user_name must be your own username, or left out")
        errors = FieldErrors()
        draft = check_draft(cmd.draft, errors)
        errors.raise_if_any()
        name = user_name(cmd.recipient_user_name)
        route = await self._routes.find(me.id, name)
        if route is None:
            raise no_user(name)
        recipient = route.recipient
        if recipient.user_id == me.id:
            errors.add("recipient_user_name", "must be another user: you cannot message yourself")
            errors.raise_if_any()
        first = await self._poster.earlier(me, draft)
        if first is not None:
            return Sent(first, created=False)
        await self._gate.pace(me.id)
        require_may_message(route.blocked, route.restricted)
        conversation = route.conversation or await self._open_direct(me, recipient)
        return await self._poster.post(conversation, me, [recipient.user_id], draft)

    async def _open_direct(self, me: User, other: DirectoryEntry) -> Conversation:
        """The pair's first message makes their conversation (unless the other side just
        did)."""
        key = direct_key(me.id, other.user_id)
        now = self._clock.now()
        ident = new_id()
        made = Conversation(ident, ConversationKind.DIRECT, None, now, ident)
        members = [
            Member(ident, me.id, me.username.value, MemberRole.MEMBER, now),
            Member(ident, other.user_id, other.username, MemberRole.MEMBER, now),
        ]
        if await self._conversations.add(made, members, key):
            # Committed before the message: on PostgreSQL the message is its own
            # statement's transaction (MessagePosts), which must see its conversation.
            await self._tx.commit()
            return made
        # The other side made it meanwhile.
        raced = await self._conversations.direct(key)
        assert raced is not None, "add refused only because the pair's conversation exists"
        return raced
