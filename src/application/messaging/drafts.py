"""What a sender writes, checked, and how it is stored: shared by sending to a user and
posting to a conversation."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.messaging.live import Broadcast, message_data
from application.ports.clock import Clock
from application.ports.messaging import MessagePosts, MessageRepository
from domain.accounts import User
from domain.errors import Conflict, FieldErrors
from domain.ids import MonotonicIds
from domain.messaging import (
    ATTACHMENTS_MAX,
    Attachment,
    Conversation,
    LiveKind,
    Message,
    Receipt,
    client_msg_id,
    message_body,
)


@dataclass(frozen=True, slots=True)
class AttachmentInput:
    url: str
    content_type: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    body: str
    attachments: Sequence[AttachmentInput] = ()
    client_msg_id: str | None = None  # from the body
    idempotency_key: str | None = None  # from the Idempotency-Key header


@dataclass(frozen=True, slots=True)
class CheckedDraft:
    body: str
    attachments: tuple[Attachment, ...]
    client_msg_id: str | None


@dataclass(frozen=True, slots=True)
class Sent:
    message: Message
    created: bool  # False: a retry, answered with the first message


def check_draft(draft: Draft, errors: FieldErrors) -> CheckedDraft:
    """The body (exact, bounded, no NUL), up to 10 https attachment links, and the
    client's id of the message (`client_msg_id` or the Idempotency-Key; both must agree)."""
    body = errors.check("body", message_body, draft.body)
    if len(draft.attachments) > ATTACHMENTS_MAX:
        errors.add("attachments", f"must hold at most {ATTACHMENTS_MAX} links")
    attachments = tuple(
        errors.check(
            f"attachments[{i}]", Attachment.parse, a.url, a.content_type, a.width, a.height
        )
        for i, a in enumerate(draft.attachments[:ATTACHMENTS_MAX])
    )
    ident = errors.check("client_msg_id", client_msg_id, draft.client_msg_id)
    key = errors.check("Idempotency-Key", client_msg_id, draft.idempotency_key)
    if ident is not None and key is not None and ident != key:
        errors.add("client_msg_id", "differs from the Idempotency-Key header: send one of them")
    return CheckedDraft(body, attachments, ident or key)


class Poster:
    """Stores a checked draft in a conversation, once per client id, with its live
    event, commits (`MessagePosts`), then publishes the event to the open streams."""

    def __init__(
        self,
        messages: MessageRepository,
        posts: MessagePosts,
        clock: Clock,
        ids: MonotonicIds,
        broadcast: Broadcast,
    ) -> None:
        self._broadcast = broadcast
        self._messages = messages
        self._posts = posts
        self._ids = ids
        self._clock = clock

    async def earlier(self, sender: User, draft: CheckedDraft) -> Message | None:
        """The message this draft's client id already made, if any."""
        if draft.client_msg_id is None:
            return None
        return await self._messages.by_client_msg_id(sender.id, draft.client_msg_id)

    async def post(
        self,
        conversation: Conversation,
        sender: User,
        recipients: Sequence[UUID],
        draft: CheckedDraft,
    ) -> Sent:
        """A receipt for each recipient; a send whose client id won a race meanwhile
        answers the first message."""
        message = Message(
            id=self._ids(),
            conversation_id=conversation.id,
            sender_id=sender.id,
            sender=sender.username.value,
            body=draft.body,
            attachments=draft.attachments,
            created_at=self._clock.now(),
            client_msg_id=draft.client_msg_id,
            receipts=tuple(Receipt(r, None, None) for r in sorted(recipients)),
        )
        event = self._broadcast.event(
            LiveKind.MESSAGE, message_data(message), [sender.id, *recipients]
        )
        if not await self._posts.post(message, recipients, event):
            first = await self.earlier(sender, draft)
            if first is None:
                raise Conflict("a send with this client_msg_id is under way; retry it")
            return Sent(first, created=False)
        await self._broadcast.send_now(event)
        return Sent(message, created=True)
