"""In-memory messaging: for unit tests, held to the same contract suite as SQL. Users
come from the accounts' fake on the same store; what SQL's foreign keys would cascade
(a user gone) is simply not found."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.memory.accounts import InMemoryUserRepository
from adapters.memory.transactions import MemoryStore
from domain.accounts import User, Username
from domain.errors import InvalidValue
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
    Reaction,
    Receipt,
    UnreadGroup,
)


class InMemoryPeople:
    """Profiles, the directory, blocks and contacts, over the users' fake."""

    def __init__(self, users: InMemoryUserRepository, store: MemoryStore | None = None) -> None:
        store = store or MemoryStore()
        self._users = users
        self.profiles: dict[UUID, Profile] = store.dict_table()
        self._blocks: dict[tuple[UUID, UUID], datetime] = store.dict_table()  # (blocker, blocked)
        self._asks: dict[tuple[UUID, UUID], datetime] = store.dict_table()  # (user, contact)

    def entry(self, user: User) -> DirectoryEntry:
        p = self.profiles.get(user.id)
        first, last = (None, None) if p is None else (p.first_name, p.last_name)
        return DirectoryEntry(user.id, user.username.value, first, last, user.created_at)

    async def get(self, user_id: UUID) -> Profile | None:
        return self.profiles.get(user_id)

    async def save(self, profile: Profile, now: datetime) -> None:
        self.profiles[profile.user_id] = profile

    async def find(self, username: str) -> DirectoryEntry | None:
        try:
            user = await self._users.get_by_username(Username(username))
        except InvalidValue:
            return None
        return None if user is None or user.disabled else self.entry(user)

    async def find_many(self, usernames: Sequence[str]) -> dict[str, DirectoryEntry]:
        found = {name: await self.find(name) for name in usernames}
        return {name: entry for name, entry in found.items() if entry is not None}

    async def search(
        self, prefix: str, after: str | None, limit: int, viewer: UUID
    ) -> list[DirectoryEntry]:
        users = sorted(
            [
                u
                for u in self._users.rows.values()
                if not u.disabled and not await self.blocked_between(viewer, u.id)
            ],
            key=lambda u: u.username.value,
        )
        return [
            self.entry(u)
            for u in users
            if u.username.value.startswith(prefix) and (after is None or u.username.value > after)
        ][:limit]

    async def block(self, blocker: UUID, blocked: UUID, now: datetime) -> bool:
        if (blocker, blocked) in self._blocks:
            return False
        self._blocks[blocker, blocked] = now
        return True

    async def unblock(self, blocker: UUID, blocked: UUID) -> bool:
        return self._blocks.pop((blocker, blocked), None) is not None

    async def blocked_between(self, a: UUID, b: UUID) -> bool:
        return (a, b) in self._blocks or (b, a) in self._blocks

    async def blocked_by(
        self, blocker: UUID, after: str | None, limit: int
    ) -> list[DirectoryEntry]:
        return self._entries([b for (who, b) in self._blocks if who == blocker], after, limit)

    async def ask(self, user_id: UUID, contact_id: UUID, now: datetime) -> None:
        self._asks.setdefault((user_id, contact_id), now)

    async def drop(self, user_id: UUID, contact_id: UUID) -> bool:
        return self._asks.pop((user_id, contact_id), None) is not None

    async def contact_status(self, user_id: UUID, other: UUID) -> ContactStatus | None:
        asked, asks = (user_id, other) in self._asks, (other, user_id) in self._asks
        if asked and asks:
            return ContactStatus.CONTACT
        if asked:
            return ContactStatus.REQUESTED
        return ContactStatus.PENDING if asks else None

    async def contacts_of(self, user_id: UUID, after: str | None, limit: int) -> list[Contact]:
        others = {c for (u, c) in self._asks if u == user_id} | {
            u for (u, c) in self._asks if c == user_id
        }
        found = []
        for entry in self._entries(list(others), after, limit):
            status = await self.contact_status(user_id, entry.user_id)
            assert status is not None, "listed because one of them asked"
            found.append(Contact(entry, status))
        return found

    def _entries(self, user_ids: list[UUID], after: str | None, limit: int) -> list[DirectoryEntry]:
        users = [self._users.rows[u] for u in user_ids if u in self._users.rows]
        entries = sorted((self.entry(u) for u in users), key=lambda e: e.username)
        return [e for e in entries if after is None or e.username > after][:limit]


class InMemoryMessaging:
    """Conversations, members, messages and receipts: the conversation and the message
    repositories in one, as their SQL tables are one schema."""

    def __init__(self, users: InMemoryUserRepository, store: MemoryStore | None = None) -> None:
        store = store or MemoryStore()
        self._users = users
        self._conversations: dict[UUID, Conversation] = store.dict_table()
        self._direct: dict[str, UUID] = store.dict_table()
        self._members: dict[tuple[UUID, UUID], Member] = store.dict_table()
        self._messages: dict[UUID, Message] = store.dict_table()
        self._receipts: dict[tuple[UUID, UUID], Receipt] = store.dict_table()  # (message, user)
        # (message, user, emoji): when given
        self._reactions: dict[tuple[UUID, UUID, str], datetime] = store.dict_table()

    # Conversations.

    async def get(self, conversation_id: UUID) -> Conversation | None:
        return self._conversations.get(conversation_id)

    async def direct(self, key: str) -> Conversation | None:
        found = self._direct.get(key)
        return None if found is None else self._conversations[found]

    async def add(
        self, conversation: Conversation, members: Sequence[Member], key: str | None = None
    ) -> bool:
        if key is not None:
            if key in self._direct:
                return False
            self._direct[key] = conversation.id
        self._conversations[conversation.id] = conversation
        await self.add_members(members)
        return True

    async def member(self, conversation_id: UUID, user_id: UUID) -> Member | None:
        return self._members.get((conversation_id, user_id))

    async def members(self, conversation_id: UUID) -> list[Member]:
        found = [m for (c, _), m in self._members.items() if c == conversation_id]
        return sorted(found, key=lambda m: (m.joined_at, m.user_id))

    async def add_members(self, members: Sequence[Member]) -> None:
        for m in members:
            self._members.setdefault((m.conversation_id, m.user_id), m)

    async def remove_member(self, conversation_id: UUID, user_id: UUID) -> bool:
        return self._members.pop((conversation_id, user_id), None) is not None

    async def set_role(self, member: Member) -> None:
        pair = (member.conversation_id, member.user_id)
        if pair in self._members:
            self._members[pair] = replace(self._members[pair], role=member.role)

    async def move_read_marker(
        self, conversation_id: UUID, user_id: UUID, up_to: UUID
    ) -> UUID | None:
        member = self._members.get((conversation_id, user_id))
        if member is None:
            return None
        if member.read_up_to is None or member.read_up_to < up_to:
            member = replace(member, read_up_to=up_to)
            self._members[conversation_id, user_id] = member
        return member.read_up_to

    async def conversations_of(
        self, user_id: UUID, before: UUID | None, limit: int
    ) -> list[ConversationSummary]:
        mine = [
            self._conversations[c]
            for (c, u) in self._members
            if u == user_id and (before is None or self._conversations[c].activity_id < before)
        ]
        mine.sort(key=lambda c: c.activity_id, reverse=True)
        return [
            ConversationSummary(
                c,
                tuple(await self.members(c.id)),
                self._with_receipts(self._messages[c.activity_id])
                if c.activity_id in self._messages
                else None,
                await self.unread(user_id, c.id),
            )
            for c in mine[:limit]
        ]

    # Messages.

    async def add_message(self, message: Message, recipients: Sequence[UUID]) -> bool:
        if message.client_msg_id is not None and (
            await self.by_client_msg_id(message.sender_id, message.client_msg_id)
        ):
            return False
        self._messages[message.id] = replace(message, receipts=())
        for r in recipients:
            self._receipts[message.id, r] = Receipt(r, None, None)
        c = self._conversations[message.conversation_id]
        if c.activity_id < message.id:
            self._conversations[c.id] = replace(c, activity_id=message.id)
        return True

    async def by_client_msg_id(self, sender_id: UUID, client_msg_id: str) -> Message | None:
        return next(
            (
                self._with_receipts(m)
                for m in self._messages.values()
                if m.sender_id == sender_id and m.client_msg_id == client_msg_id
            ),
            None,
        )

    async def get_message(self, message_id: UUID) -> Message | None:
        found = self._messages.get(message_id)
        return None if found is None else self._with_receipts(found)

    async def update_message(self, message: Message) -> None:
        if message.id in self._messages:
            self._messages[message.id] = replace(message, receipts=(), reactions=())
        if message.deleted:
            for key in [k for k in self._reactions if k[0] == message.id]:
                del self._reactions[key]

    async def mark_read(
        self, user_id: UUID, conversation_id: UUID, up_to: UUID, now: datetime
    ) -> None:
        for (mid, u), r in list(self._receipts.items()):
            m = self._messages[mid]
            mine = u == user_id and m.conversation_id == conversation_id
            if mine and mid <= up_to and r.read_at is None:
                self._receipts[mid, u] = Receipt(u, r.delivered_at or now, now)

    async def mark_delivered(
        self, user_id: UUID, message_ids: Sequence[UUID], now: datetime
    ) -> None:
        for mid in message_ids:
            r = self._receipts.get((mid, user_id))
            if r is not None and r.delivered_at is None:
                self._receipts[mid, user_id] = Receipt(user_id, now, r.read_at)

    async def unread(self, user_id: UUID, conversation_id: UUID) -> int:
        return sum(
            1
            for (mid, u), r in self._receipts.items()
            if u == user_id
            and r.read_at is None
            and self._messages[mid].conversation_id == conversation_id
        )

    async def react(self, message_id: UUID, user_id: UUID, emoji: str, now: datetime) -> bool:
        if (message_id, user_id, emoji) in self._reactions:
            return False
        self._reactions[message_id, user_id, emoji] = now
        return True

    async def unreact(self, message_id: UUID, user_id: UUID, emoji: str) -> bool:
        return self._reactions.pop((message_id, user_id, emoji), None) is not None

    async def in_conversation(
        self,
        conversation_id: UUID,
        before: UUID | None,
        after: UUID | None,
        limit: int,
        since: datetime | None = None,
    ) -> list[Message]:
        return self._window(
            [m for m in self._messages.values() if m.conversation_id == conversation_id],
            before,
            after,
            since,
            limit,
        )

    async def of_user(
        self, user_id: UUID, before: UUID | None, since: datetime | None, limit: int
    ) -> list[Message]:
        mine = {c for (c, u) in self._members if u == user_id}
        found = [m for m in self._messages.values() if m.conversation_id in mine]
        return self._window(found, before, None, since, limit)

    def _window(
        self,
        messages: list[Message],
        before: UUID | None,
        after: UUID | None,
        since: datetime | None,
        limit: int,
    ) -> list[Message]:
        kept = [
            m
            for m in messages
            if (before is None or m.id < before)
            and (after is None or m.id > after)
            and (since is None or m.created_at >= since)
        ]
        forward = after is not None and before is None
        kept.sort(key=lambda m: m.id, reverse=not forward)
        return [self._with_receipts(m) for m in kept[:limit]]

    def _with_receipts(self, message: Message) -> Message:
        copies = sorted(
            (r for (mid, _), r in self._receipts.items() if mid == message.id),
            key=lambda r: r.user_id,
        )
        given: dict[str, list[UUID]] = {}
        for (mid, user, emoji), _ in sorted(
            self._reactions.items(), key=lambda item: (item[1], item[0][1])
        ):
            if mid == message.id:
                given.setdefault(emoji, []).append(user)
        reactions = tuple(
            Reaction(emoji, tuple(users))
            for emoji, users in sorted(given.items(), key=lambda item: -len(item[1]))
        )
        sender = self._users_by_id(message.sender_id)
        return replace(
            message,
            receipts=tuple(copies),
            reactions=reactions,
            sender=sender or message.sender,
        )

    def unread_copies(self) -> list[tuple[UUID, UUID]]:
        """(message, user) of every copy not read yet."""
        return [pair for pair, r in self._receipts.items() if r.read_at is None]

    def message(self, message_id: UUID) -> Message:
        return self._messages[message_id]

    def sender_name(self, message: Message) -> str:
        return self._users_by_id(message.sender_id) or message.sender

    def _users_by_id(self, user_id: UUID) -> str | None:
        user = self._users.rows.get(user_id)
        return None if user is None else user.username.value


class InMemoryMessageRepository:
    """The `MessageRepository` face of `InMemoryMessaging`."""

    def __init__(self, messaging: InMemoryMessaging) -> None:
        self._m = messaging

    async def add(self, message: Message, recipients: Sequence[UUID]) -> bool:
        return await self._m.add_message(message, recipients)

    async def by_client_msg_id(self, sender_id: UUID, client_msg_id: str) -> Message | None:
        return await self._m.by_client_msg_id(sender_id, client_msg_id)

    async def get(self, message_id: UUID) -> Message | None:
        return await self._m.get_message(message_id)

    async def update(self, message: Message) -> None:
        await self._m.update_message(message)

    async def mark_read(
        self, user_id: UUID, conversation_id: UUID, up_to: UUID, now: datetime
    ) -> None:
        await self._m.mark_read(user_id, conversation_id, up_to, now)

    async def mark_delivered(
        self, user_id: UUID, message_ids: Sequence[UUID], now: datetime
    ) -> None:
        await self._m.mark_delivered(user_id, message_ids, now)

    async def unread(self, user_id: UUID, conversation_id: UUID) -> int:
        return await self._m.unread(user_id, conversation_id)

    async def react(self, message_id: UUID, user_id: UUID, emoji: str, now: datetime) -> bool:
        return await self._m.react(message_id, user_id, emoji, now)

    async def unreact(self, message_id: UUID, user_id: UUID, emoji: str) -> bool:
        return await self._m.unreact(message_id, user_id, emoji)

    async def in_conversation(
        self,
        conversation_id: UUID,
        before: UUID | None,
        after: UUID | None,
        limit: int,
        since: datetime | None = None,
    ) -> list[Message]:
        return await self._m.in_conversation(conversation_id, before, after, limit, since)

    async def of_user(
        self, user_id: UUID, before: UUID | None, since: datetime | None, limit: int
    ) -> list[Message]:
        return await self._m.of_user(user_id, before, since, limit)


class InMemoryEventLog:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._rows: dict[tuple[UUID, UUID], LiveEvent] = (store or MemoryStore()).dict_table()

    async def add(self, event: LiveEvent) -> None:
        for user in event.recipients:
            self._rows[user, event.id] = replace(event, recipients=(user,))

    async def after(self, user_id: UUID, after: UUID, limit: int) -> list[LiveEvent]:
        mine = sorted(e for (u, e) in self._rows if u == user_id and e > after)
        return [self._rows[user_id, e] for e in mine[:limit]]

    async def purge(self, before: datetime, limit: int) -> int:
        old = sorted((e.created_at, k) for k, e in self._rows.items() if e.created_at < before)
        for _, key in old[:limit]:
            del self._rows[key]
        return len(old[:limit])


class InMemoryUnreadNotices:
    """Over the messaging fake's tables."""

    def __init__(self, messaging: InMemoryMessaging, store: MemoryStore | None = None) -> None:
        self._m = messaging
        # (user, conversation) -> (up_to, notified_at)
        self._told: dict[tuple[UUID, UUID], tuple[UUID, datetime]] = (
            store or MemoryStore()
        ).dict_table()

    async def due(
        self, sent_before: datetime, told_before: datetime, limit: int
    ) -> list[UnreadGroup]:
        groups: dict[tuple[UUID, UUID], list[Message]] = {}
        for message_id, user in sorted(self._m.unread_copies(), key=lambda k: (k[1], k[0])):
            m = self._m.message(message_id)
            pair = (user, m.conversation_id)
            last = self._told.get(pair)
            if m.deleted or m.created_at >= sent_before:
                continue
            if last is not None and (message_id <= last[0] or last[1] >= told_before):
                continue
            groups.setdefault(pair, []).append(m)
        ordered = sorted(groups.items(), key=lambda item: item[0])[:limit]
        return [
            UnreadGroup(
                user,
                conversation,
                len(ms),
                tuple(dict.fromkeys(self._m.sender_name(m) for m in ms))[:3],
                ms[-1].id,
            )
            for (user, conversation), ms in ordered
        ]

    async def told(self, group: UnreadGroup, now: datetime) -> None:
        self._told[group.user_id, group.conversation_id] = (group.up_to, now)
