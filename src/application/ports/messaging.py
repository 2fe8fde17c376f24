"""Ports of messaging: profiles and the user directory, conversations and their members,
messages and their receipts."""

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.messaging import (
    Contact,
    ContactStatus,
    Conversation,
    ConversationSummary,
    DirectoryEntry,
    LiveEvent,
    Member,
    Message,
    Profile,
    UnreadGroup,
)


class UserDirectory(Protocol):
    """Users as messaging sees them: by name, and searched by prefix."""

    async def find(self, username: str) -> DirectoryEntry | None:
        """The user with this (case-folded) username, enabled; None otherwise."""
        ...

    async def find_many(self, usernames: Sequence[str]) -> dict[str, DirectoryEntry]:
        """The enabled users among these usernames, by username."""
        ...

    async def search(
        self, prefix: str, after: str | None, limit: int, viewer: UUID
    ) -> list[DirectoryEntry]:
        """Up to `limit` enabled users whose username starts with `prefix`, in username
        order after `after`; none that blocked `viewer` or that `viewer` blocked."""
        ...


class RelationshipRepository(Protocol):
    """Who blocked whom, and who asked whom as a contact."""

    async def block(self, blocker: UUID, blocked: UUID, now: datetime) -> bool:
        """False when it was blocked already."""
        ...

    async def unblock(self, blocker: UUID, blocked: UUID) -> bool: ...

    async def blocked_between(self, a: UUID, b: UUID) -> bool:
        """Whether either blocked the other."""
        ...

    async def blocked_by(
        self, blocker: UUID, after: str | None, limit: int
    ) -> list[DirectoryEntry]:
        """Those `blocker` blocked, in username order after `after`."""
        ...

    async def ask(self, user_id: UUID, contact_id: UUID, now: datetime) -> None:
        """Record that `user_id` wants `contact_id` as a contact (again: no change)."""
        ...

    async def drop(self, user_id: UUID, contact_id: UUID) -> bool:
        """Withdraw `user_id`'s request or side of the contact."""
        ...

    async def contact_status(self, user_id: UUID, other: UUID) -> ContactStatus | None: ...

    async def contacts_of(self, user_id: UUID, after: str | None, limit: int) -> list[Contact]:
        """Those the user asked or who asked the user, in username order after `after`."""
        ...


class EventLog(Protocol):
    """The live events of each user, kept for replay, in the request's transaction."""

    async def add(self, event: LiveEvent) -> None:
        """Stage the event once for each of its recipients."""
        ...

    async def after(self, user_id: UUID, after: UUID, limit: int) -> list[LiveEvent]:
        """Up to `limit` of the user's events after `after`, oldest first; each with the
        user alone as its recipient."""
        ...

    async def purge(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` events made before `before`, oldest first; how many."""
        ...


class LiveChannel(Protocol):
    """Fan-out of live events to the streams of every API process."""

    async def publish(self, event: LiveEvent) -> None:
        """To the stream of each recipient, wherever it is held."""
        ...

    def listen(self, user_id: UUID) -> AbstractAsyncContextManager[AsyncIterator[LiveEvent]]:
        """The user's events from now on, while the context lasts."""
        ...


class UnreadNotices(Protocol):
    """Which members to tell of messages they left unread, and when they were told."""

    async def due(
        self, sent_before: datetime, told_before: datetime, limit: int
    ) -> list[UnreadGroup]:
        """Up to `limit` groups of unread, undeleted messages sent before `sent_before`
        and newer than what the member was last told of, for members last told before
        `told_before` (or never)."""
        ...

    async def told(self, group: UnreadGroup, now: datetime) -> None:
        """Record that the member was told of the group's messages."""
        ...


class SendRateLimiter(Protocol):
    async def hit(self, key: str) -> int | None:
        """Count one send under key; None when allowed, else seconds until allowed again."""
        ...


class ProfileRepository(Protocol):
    async def get(self, user_id: UUID) -> Profile | None: ...

    async def save(self, profile: Profile, now: datetime) -> None:
        """Insert or replace the profile of this user."""
        ...


class ConversationRepository(Protocol):
    """Conversations and their members, in the request's transaction."""

    async def get(self, conversation_id: UUID) -> Conversation | None: ...

    async def direct(self, key: str) -> Conversation | None:
        """The direct conversation of the pair with this `direct_key`."""
        ...

    async def add(
        self, conversation: Conversation, members: Sequence[Member], key: str | None = None
    ) -> bool:
        """Stage a conversation and its members; a direct one with its pair's `key`. One
        whose pair already has a conversation (made meanwhile by the other side) is not
        added: False."""
        ...

    async def member(self, conversation_id: UUID, user_id: UUID) -> Member | None: ...

    async def members(self, conversation_id: UUID) -> list[Member]:
        """Its members, in the order they joined."""
        ...

    async def add_members(self, members: Sequence[Member]) -> None:
        """Stage new members; one already there is left as it is."""
        ...

    async def remove_member(self, conversation_id: UUID, user_id: UUID) -> bool: ...

    async def set_role(self, member: Member) -> None: ...

    async def move_read_marker(
        self, conversation_id: UUID, user_id: UUID, up_to: UUID
    ) -> UUID | None:
        """Move the member's read marker to `up_to` unless it is already past it (markers
        only move forward); the marker after."""
        ...

    async def conversations_of(
        self, user_id: UUID, before: UUID | None, limit: int
    ) -> list[ConversationSummary]:
        """Up to `limit` of the user's conversations, latest activity first, those whose
        activity id is below `before`; each with its members, last message and the
        user's unread count."""
        ...


@dataclass(frozen=True, slots=True)
class DirectRoute:
    """A user as another sees them for direct messages: what a send checks, and what a
    read of the pair's messages needs (the user and their conversation)."""

    recipient: DirectoryEntry
    conversation: Conversation | None  # the pair's; None before their first message
    blocked: bool  # one of the two blocked the other
    restricted: bool  # the recipient takes contacts only, and the sender is not one


class DirectRoutes(Protocol):
    async def find(self, sender: UUID, recipient_name: str) -> DirectRoute | None:
        """The enabled user named `recipient_name` (a valid, lower-case username) as
        `sender` would write to them; None when there is none. One read on PostgreSQL;
        it sees committed rows only."""
        ...


class MessagePosts(Protocol):
    """A new message with everything that goes with it, committed together."""

    async def post(self, message: Message, recipients: Sequence[UUID], event: LiveEvent) -> bool:
        """Store the message, a receipt for each recipient, the conversation's new
        activity and the message's live event for its members, and commit them. The
        caller's unit of work must hold no other writes: on PostgreSQL this is a
        statement of its own transaction, which neither commits them nor sees them
        (`SendMessage` commits a new direct conversation first). A message whose sender
        already sent one with its `client_msg_id` stores nothing: False (the first one
        stays)."""
        ...


class MessageRepository(Protocol):
    """Messages and their receipts, in the request's transaction."""

    async def add(self, message: Message, recipients: Sequence[UUID]) -> bool:
        """Stage the message, a receipt for each recipient, and the conversation's new
        activity. A message whose sender already sent one with its `client_msg_id` is not
        added: False (the first one stays)."""
        ...

    async def by_client_msg_id(self, sender_id: UUID, client_msg_id: str) -> Message | None: ...

    async def get(self, message_id: UUID) -> Message | None: ...

    async def update(self, message: Message) -> None:
        """Store its body, attachments, `edited_at` and `deleted_at`; a deleted one loses
        its reactions."""
        ...

    async def mark_read(
        self, user_id: UUID, conversation_id: UUID, up_to: UUID, now: datetime
    ) -> None:
        """The user's unread copies of the conversation's messages up to `up_to`: read
        (and delivered, if they were not) at `now`."""
        ...

    async def mark_delivered(
        self, user_id: UUID, message_ids: Sequence[UUID], now: datetime
    ) -> None:
        """The user's undelivered copies of these messages: delivered at `now`. Nothing
        else is written with it (`Deliveries` commits at once), so an adapter may make
        it a statement of its own transaction (PostgreSQL does)."""
        ...

    async def unread(self, user_id: UUID, conversation_id: UUID) -> int: ...

    async def react(self, message_id: UUID, user_id: UUID, emoji: str, now: datetime) -> bool:
        """Add the user's `emoji` to the message; False when it was there already."""
        ...

    async def unreact(self, message_id: UUID, user_id: UUID, emoji: str) -> bool: ...

    async def in_conversation(
        self,
        conversation_id: UUID,
        before: UUID | None,
        after: UUID | None,
        limit: int,
        since: datetime | None = None,
    ) -> list[Message]:
        """Up to `limit` messages of the conversation with ids between `after` and
        `before` (exclusive; None: unbounded) and sent at `since` or later: newest first,
        or oldest first when only `after` is given (reading forward). Pages may be read
        outside the unit of work (committed messages only): read them before writing."""
        ...

    async def of_user(
        self, user_id: UUID, before: UUID | None, since: datetime | None, limit: int
    ) -> list[Message]:
        """Up to `limit` messages of every conversation the user is a member of, newest
        first, ids below `before`, sent at `since` or later; committed messages only, as
        `in_conversation`."""
        ...


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page of messages already in its wire form, made where the rows are: `items` is
    the JSON array of its messages as the viewer sees them (the shape of the HTTP API's
    `MessageOut`, which the renderer's contract test holds it to). The viewer's copies
    that were not delivered are shown delivered at the read's `now`, and listed in
    `undelivered` for `Deliveries` to record."""

    items: str
    next_cursor: str | None
    undelivered: tuple[UUID, ...]


class RenderedPages(Protocol):
    """Pages of messages rendered by the database itself (PostgreSQL), newest first, in
    one read: no row becomes an object on the way to the client. Committed messages
    only, as the repository's pages. Up to `limit` messages; ids below `before`, sent at
    `since` or later."""

    async def of_name(
        self,
        viewer: UUID,
        name: str,
        before: UUID | None,
        since: datetime,
        limit: int,
        now: datetime,
    ) -> RenderedPage | None:
        """The page `GET /api/messages/{name}` shows, found in the same read: for the
        viewer's own name, every conversation they are a member of; for another user's,
        the pair's direct conversation (empty when there is none); None when no user
        who is not disabled has the name (`DirectRoutes.find`'s rule)."""
        ...
