"""Messaging's repositories on the fake, SQLite and PostgreSQL: the same answers. Users
come from the accounts' repository on the same store."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.accounts import InMemoryUserRepository
from adapters.memory.messaging import (
    InMemoryEventLog,
    InMemoryMessageRepository,
    InMemoryMessaging,
    InMemoryPeople,
    InMemoryUnreadNotices,
)
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.accounts import SqlUserRepository
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.messaging import (
    SqlConversationRepository,
    SqlEventLog,
    SqlMessageRepository,
    SqlProfileRepository,
    SqlRelationshipRepository,
    SqlUnreadNotices,
    SqlUserDirectory,
)
from adapters.sql.messaging_postgres import (
    PostgresConversationRepository,
    PostgresDirectRoutes,
    PostgresMessagePosts,
    PostgresMessageRepository,
    PostgresProfileRepository,
    PostgresRelationshipRepository,
    PostgresUserDirectory,
)
from adapters.sql.transactions import SqlTransactionManager
from application.messaging.posts import UnitOfWorkMessagePosts
from application.messaging.routes import RepositoryDirectRoutes
from application.ports.accounts import UserRepository
from application.ports.messaging import (
    ConversationRepository,
    DirectRoutes,
    EventLog,
    MessagePosts,
    MessageRepository,
    ProfileRepository,
    RelationshipRepository,
    UnreadNotices,
    UserDirectory,
)
from application.ports.transactions import TransactionManager
from domain.accounts import Role, User, Username
from domain.ids import MonotonicIds, new_id
from domain.messaging import (
    Attachment,
    Contact,
    ContactStatus,
    Conversation,
    ConversationKind,
    LiveEvent,
    LiveKind,
    Member,
    MemberRole,
    Message,
    Profile,
    Reaction,
    Receipt,
    UnreadGroup,
    direct_key,
)
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
ZERO = UUID(int=0)  # before every id
next_id = MonotonicIds()  # as the poster makes them


@dataclass
class Store:
    users: UserRepository
    directory: UserDirectory
    profiles: ProfileRepository
    relationships: RelationshipRepository
    conversations: ConversationRepository
    messages: MessageRepository
    events: EventLog
    notices: UnreadNotices
    tx: TransactionManager
    db: AsyncSession | None
    posts: MessagePosts
    routes: DirectRoutes

    async def save(self) -> None:
        await self.tx.commit()
        if self.db is not None:
            self.db.expunge_all()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = MemoryStore()
        users = InMemoryUserRepository(memory)
        profiles = InMemoryPeople(users, memory)
        messaging = InMemoryMessaging(users, memory)
        messages = InMemoryMessageRepository(messaging)
        log = InMemoryEventLog(memory)
        tx = InMemoryTransactionManager(memory)
        yield Store(
            users,
            profiles,
            profiles,
            profiles,
            messaging,
            messages,
            log,
            InMemoryUnreadNotices(messaging, memory),
            tx,
            None,
            UnitOfWorkMessagePosts(messages, log, tx),
            RepositoryDirectRoutes(profiles, messaging, profiles, profiles),
        )
        return
    async with (
        migrated_database(request, tmp_path) as (engine, reads),
        make_session_factory(engine)() as session,
    ):
        dialect = dialect_of(engine)
        # On PostgreSQL, the variants that read from the direct pool, as the app does.
        reading: tuple[Any, Any, Any, Any, Any] = (
            (
                SqlUserDirectory(session),
                SqlProfileRepository(session, dialect),
                SqlRelationshipRepository(session, dialect),
                SqlConversationRepository(session, dialect),
                SqlMessageRepository(session, dialect),
            )
            if reads is None
            else (
                PostgresUserDirectory(session, reads),
                PostgresProfileRepository(session, dialect, reads),
                PostgresRelationshipRepository(session, dialect, reads),
                PostgresConversationRepository(session, dialect, reads),
                PostgresMessageRepository(session, dialect, reads),
            )
        )
        yield Store(
            SqlUserRepository(session),
            *reading,
            SqlEventLog(session),
            SqlUnreadNotices(session, dialect),
            SqlTransactionManager(session),
            session,
            UnitOfWorkMessagePosts(reading[4], SqlEventLog(session), SqlTransactionManager(session))
            if reads is None
            else PostgresMessagePosts(reads),
            RepositoryDirectRoutes(reading[0], reading[3], reading[2], reading[1])
            if reads is None
            else PostgresDirectRoutes(reads),
        )


async def users(store: Store, *names: str, disabled: str = "") -> list[User]:
    made = []
    for i, name in enumerate(names):
        user = User(
            new_id(),
            Username(name),
            "hash",
            Role.USER,
            NOW + timedelta(seconds=i),
            name == disabled,
        )
        await store.users.add(user)
        made.append(user)
    await store.save()
    return made


async def test_directory_finds_and_searches_enabled_users(store: Store) -> None:
    ann, *_ = await users(store, "ann", "anna", "an_x", "bob", "anx", disabled="anx")
    await store.profiles.save(Profile(ann.id, "Ann", "O'Neil"), NOW)
    await store.save()
    found = await store.directory.find("ann")
    assert found is not None
    assert (found.user_id, found.first_name, found.last_name) == (ann.id, "Ann", "O'Neil")
    assert found.created_at == NOW
    assert await store.directory.find("anx") is None
    assert await store.directory.find("nobody") is None
    assert set(await store.directory.find_many(["ann", "bob", "anx", "zed"])) == {"ann", "bob"}
    assert [e.username for e in await store.directory.search("", None, 10, ann.id)] == [
        "an_x",
        "ann",
        "anna",
        "bob",
    ]
    assert [e.username for e in await store.directory.search("an", "an_x", 10, ann.id)] == [
        "ann",
        "anna",
    ]
    assert [e.username for e in await store.directory.search("an_", None, 10, ann.id)] == ["an_x"]
    assert [e.username for e in await store.directory.search("a", None, 1, ann.id)] == ["an_x"]


async def test_profiles_are_replaced_whole(store: Store) -> None:
    (ann,) = await users(store, "ann")
    assert await store.profiles.get(ann.id) is None
    await store.profiles.save(Profile(ann.id, "Ann", None), NOW)
    await store.save()
    await store.profiles.save(Profile(ann.id, None, "Lee", contacts_only=True), NOW)
    await store.save()
    assert await store.profiles.get(ann.id) == Profile(ann.id, None, "Lee", True)


async def conversation(
    store: Store, owner: User, *others: User, key: str | None = None
) -> Conversation:
    ident = next_id()
    kind = ConversationKind.DIRECT if key else ConversationKind.GROUP
    made = Conversation(ident, kind, None if key else "G", NOW, ident)
    members = [Member(ident, owner.id, owner.username.value, MemberRole.OWNER, NOW)] + [
        Member(ident, u.id, u.username.value, MemberRole.MEMBER, NOW + timedelta(seconds=i + 1))
        for i, u in enumerate(others)
    ]
    assert await store.conversations.add(made, members, key)
    await store.save()
    return made


def message(
    c: Conversation, sender: User, body: str, at: datetime = NOW, client_id: str | None = None
) -> Message:
    return Message(
        next_id(), c.id, sender.id, sender.username.value, body, (), at, client_msg_id=client_id
    )


async def test_one_direct_conversation_per_pair(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    key = direct_key(ann.id, bugs.id)
    assert key == direct_key(bugs.id, ann.id)
    made = await conversation(store, ann, bugs, key=key)
    assert await store.conversations.direct(key) == made
    again = Conversation(new_id(), ConversationKind.DIRECT, None, NOW, new_id())
    assert await store.conversations.add(again, [], key) is False
    await store.tx.rollback()
    assert await store.conversations.get(again.id) is None
    assert [m.username for m in await store.conversations.members(made.id)] == ["ann", "bugs"]


async def test_members_join_leave_and_change_roles(store: Store) -> None:
    ann, bugs, daffy = await users(store, "ann", "bugs", "daffy")
    group = await conversation(store, ann, bugs)
    joined = Member(group.id, daffy.id, "daffy", MemberRole.MEMBER, NOW + timedelta(minutes=1))
    await store.conversations.add_members(
        [joined, replace(joined, user_id=bugs.id, username="bugs")]
    )
    await store.save()
    members = await store.conversations.members(group.id)
    assert [(m.username, m.role) for m in members] == [
        ("ann", MemberRole.OWNER),
        ("bugs", MemberRole.MEMBER),
        ("daffy", MemberRole.MEMBER),
    ]
    assert await store.conversations.member(group.id, daffy.id) == joined
    await store.conversations.set_role(replace(joined, role=MemberRole.OWNER))
    assert await store.conversations.remove_member(group.id, ann.id) is True
    assert await store.conversations.remove_member(group.id, ann.id) is False
    await store.save()
    assert await store.conversations.member(group.id, ann.id) is None
    found = await store.conversations.member(group.id, daffy.id)
    assert found is not None
    assert found.is_owner


async def test_messages_keep_their_text_attachments_and_receipts(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    gif = Attachment("https://media.example.com/c.gif", "image/gif", 480, 270)
    text = "it's \U0001f468\u200d\U0001f469\u200d\U0001f467 \u05e9\u05dc\u05d5\u05dd"
    sent = replace(message(c, ann, text), attachments=(gif,))
    assert await store.messages.add(sent, [bugs.id])
    await store.save()
    (got,) = await store.messages.in_conversation(c.id, None, None, 10)
    assert (got.body, got.attachments, got.sender) == (text, (gif,), "ann")
    assert got.receipts == (Receipt(bugs.id, None, None),)
    assert got.seen_by(bugs.id) == (None, None)
    updated = await store.conversations.get(c.id)
    assert updated is not None
    assert updated.activity_id == sent.id


async def test_a_client_msg_id_stores_one_message(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    first = message(c, ann, "once", client_id="c-1")
    assert await store.messages.add(first, [bugs.id])
    await store.save()
    assert await store.messages.add(message(c, ann, "twice", client_id="c-1"), [bugs.id]) is False
    await store.tx.rollback()
    found = await store.messages.by_client_msg_id(ann.id, "c-1")
    assert found is not None
    assert found.id == first.id
    assert await store.messages.by_client_msg_id(bugs.id, "c-1") is None
    assert await store.messages.add(message(c, bugs, "theirs", client_id="c-1"), [ann.id])


def live(m: Message, *to: User) -> LiveEvent:
    return LiveEvent(
        next_id(), LiveKind.MESSAGE, f'{{"id":"{m.id}"}}', m.created_at, tuple(u.id for u in to)
    )


async def test_a_post_commits_the_message_its_receipts_activity_and_event(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    sent = message(c, ann, "it's 🥕")
    event = live(sent, ann, bugs)
    assert await store.posts.post(sent, [bugs.id], event)
    await store.tx.rollback()  # committed already: nothing left to undo
    (got,) = await store.messages.in_conversation(c.id, None, None, 10)
    assert (got.id, got.body, got.receipts) == (sent.id, sent.body, (Receipt(bugs.id, None, None),))
    updated = await store.conversations.get(c.id)
    assert updated is not None
    assert updated.activity_id == sent.id
    for user in (ann, bugs):
        assert [(e.id, e.data) for e in await store.events.after(user.id, ZERO, 10)] == [
            (event.id, event.data)
        ]


async def test_a_post_with_a_used_client_msg_id_stores_nothing(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    first = message(c, ann, "once", client_id="c-1")
    assert await store.posts.post(first, [bugs.id], live(first, ann, bugs))
    again = message(c, ann, "twice", client_id="c-1")
    assert await store.posts.post(again, [bugs.id], live(again, ann, bugs)) is False
    assert [m.id for m in await store.messages.in_conversation(c.id, None, None, 10)] == [first.id]
    assert len(await store.events.after(bugs.id, ZERO, 10)) == 1
    updated = await store.conversations.get(c.id)
    assert updated is not None
    assert updated.activity_id == first.id


async def test_pages_by_id_both_ways_and_by_time(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    sent = []
    for i in range(6):
        m = message(c, ann, f"m{i}", NOW + timedelta(minutes=i))
        await store.messages.add(m, [bugs.id])
        sent.append(m.id)
    await store.save()

    async def bodies(before: int | None, after: int | None, limit: int = 10) -> list[str]:
        b = None if before is None else sent[before]
        a = None if after is None else sent[after]
        return [m.body for m in await store.messages.in_conversation(c.id, b, a, limit)]

    assert await bodies(None, None, 2) == ["m5", "m4"]
    assert await bodies(4, None, 2) == ["m3", "m2"]
    assert await bodies(None, 3) == ["m4", "m5"]
    assert await bodies(4, 1) == ["m3", "m2"]
    later = await store.messages.in_conversation(c.id, None, None, 10, NOW + timedelta(minutes=4))
    assert [m.body for m in later] == ["m5", "m4"]


async def test_a_users_messages_span_their_conversations(store: Store) -> None:
    ann, bugs, daffy = await users(store, "ann", "bugs", "daffy")
    with_bugs = await conversation(store, ann, bugs)
    with_daffy = await conversation(store, daffy, ann)
    elsewhere = await conversation(store, bugs, daffy)
    for i, (c, sender) in enumerate(
        [(with_bugs, ann), (with_daffy, daffy), (elsewhere, bugs), (with_bugs, bugs)]
    ):
        await store.messages.add(message(c, sender, f"m{i}", NOW + timedelta(minutes=i)), [])
    await store.save()
    mine = await store.messages.of_user(ann.id, None, None, 10)
    assert [m.body for m in mine] == ["m3", "m1", "m0"]
    page = await store.messages.of_user(ann.id, mine[0].id, None, 1)
    assert [m.body for m in page] == ["m1"]
    recent = await store.messages.of_user(ann.id, None, NOW + timedelta(minutes=1), 10)
    assert [m.body for m in recent] == ["m3", "m1"]
    assert await store.messages.of_user(new_id(), None, None, 10) == []


async def test_conversations_of_a_user_by_latest_activity(store: Store) -> None:
    ann, bugs, daffy = await users(store, "ann", "bugs", "daffy")
    first = await conversation(store, ann, bugs)
    second = await conversation(store, ann, daffy)
    quiet = await conversation(store, bugs, ann)
    await store.messages.add(message(second, daffy, "hi"), [ann.id])
    last = message(first, bugs, "later")
    await store.messages.add(last, [ann.id])
    await store.messages.add(message(first, ann, "mine"), [bugs.id])
    await store.save()
    listed = await store.conversations.conversations_of(ann.id, None, 10)
    assert [s.conversation.id for s in listed] == [first.id, second.id, quiet.id]
    assert [s.unread for s in listed] == [1, 1, 0]
    assert [None if s.last_message is None else s.last_message.body for s in listed] == [
        "mine",
        "hi",
        None,
    ]
    assert [m.username for m in listed[0].members] == ["ann", "bugs"]
    rest = await store.conversations.conversations_of(ann.id, listed[0].conversation.activity_id, 1)
    assert [s.conversation.id for s in rest] == [second.id]


async def test_read_markers_move_forward_and_mark_copies_read(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    sent = [message(c, ann, f"m{i}") for i in range(3)]
    for m in sent:
        await store.messages.add(m, [bugs.id])
    await store.save()
    assert await store.messages.unread(bugs.id, c.id) == 3
    assert await store.conversations.move_read_marker(c.id, bugs.id, sent[1].id) == sent[1].id
    await store.messages.mark_read(bugs.id, c.id, sent[1].id, LATER)
    assert await store.conversations.move_read_marker(c.id, bugs.id, sent[0].id) == sent[1].id
    await store.save()
    assert await store.messages.unread(bugs.id, c.id) == 1
    assert await store.messages.unread(ann.id, c.id) == 0
    copies = [
        m.receipt_of(bugs.id) for m in await store.messages.in_conversation(c.id, None, None, 10)
    ]
    assert copies == [
        Receipt(bugs.id, None, None),
        Receipt(bugs.id, LATER, LATER),
        Receipt(bugs.id, LATER, LATER),
    ]
    member = await store.conversations.member(c.id, bugs.id)
    assert member is not None
    assert member.read_up_to == sent[1].id


async def test_delivery_is_recorded_once(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    m = message(c, ann, "hi")
    await store.messages.add(m, [bugs.id])
    await store.save()  # a delivery is of a message committed before it
    await store.messages.mark_delivered(bugs.id, [m.id], NOW)
    await store.messages.mark_delivered(bugs.id, [m.id], LATER)
    await store.messages.mark_delivered(ann.id, [m.id], LATER)  # no copy of one's own
    await store.save()
    got = await store.messages.get(m.id)
    assert got is not None
    assert got.receipts == (Receipt(bugs.id, NOW, None),)


async def test_edits_tombstones_and_reactions(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    c = await conversation(store, ann, bugs)
    gif = Attachment("https://e.com/a.gif", "image/gif")
    m = replace(message(c, ann, "helo"), attachments=(gif,))
    await store.messages.add(m, [bugs.id])
    assert await store.messages.react(m.id, bugs.id, "\U0001f955", NOW)
    assert await store.messages.react(m.id, bugs.id, "\U0001f955", LATER) is False
    assert await store.messages.react(m.id, ann.id, "\U0001f955", LATER)
    assert await store.messages.react(m.id, ann.id, "\U0001f602", LATER)
    await store.save()
    got = await store.messages.get(m.id)
    assert got is not None
    assert got.reactions == (
        Reaction("\U0001f955", (bugs.id, ann.id)),
        Reaction("\U0001f602", (ann.id,)),
    )
    assert await store.messages.unreact(m.id, ann.id, "\U0001f602")
    assert await store.messages.unreact(m.id, ann.id, "\U0001f602") is False
    edited = got.edit("hello", (), LATER, timedelta(hours=2))
    await store.messages.update(edited)
    await store.save()
    again = await store.messages.get(m.id)
    assert again is not None
    assert (again.body, again.attachments, again.edited_at) == ("hello", (), LATER)
    assert again.reactions == (Reaction("\U0001f955", (bugs.id, ann.id)),)
    await store.messages.update(again.tombstone(LATER))
    await store.save()
    gone = await store.messages.get(m.id)
    assert gone is not None
    assert (gone.body, gone.deleted_at, gone.reactions) == ("", LATER, ())
    assert await store.messages.get(new_id()) is None


async def test_blocks_hide_both_ways_and_lift(store: Store) -> None:
    ann, bugs, daffy = await users(store, "ann", "bugs", "daffy")
    assert await store.relationships.block(ann.id, bugs.id, NOW)
    assert await store.relationships.block(ann.id, bugs.id, LATER) is False
    await store.save()
    assert await store.relationships.blocked_between(bugs.id, ann.id)
    assert await store.relationships.blocked_between(ann.id, daffy.id) is False
    assert [e.username for e in await store.directory.search("", None, 10, ann.id)] == [
        "ann",
        "daffy",
    ]
    assert [e.username for e in await store.directory.search("", None, 10, bugs.id)] == [
        "bugs",
        "daffy",
    ]
    assert [e.username for e in await store.relationships.blocked_by(ann.id, None, 10)] == ["bugs"]
    assert await store.relationships.blocked_by(bugs.id, None, 10) == []
    assert await store.relationships.unblock(ann.id, bugs.id)
    assert await store.relationships.unblock(ann.id, bugs.id) is False
    await store.save()
    assert len(await store.directory.search("", None, 10, bugs.id)) == 3


async def test_contacts_are_a_request_and_its_acceptance(store: Store) -> None:
    ann, bugs, daffy = await users(store, "ann", "bugs", "daffy")
    assert await store.relationships.contact_status(ann.id, bugs.id) is None
    await store.relationships.ask(ann.id, bugs.id, NOW)
    await store.relationships.ask(ann.id, bugs.id, LATER)
    await store.relationships.ask(daffy.id, ann.id, NOW)
    await store.save()
    assert await store.relationships.contact_status(ann.id, bugs.id) is ContactStatus.REQUESTED
    assert await store.relationships.contact_status(bugs.id, ann.id) is ContactStatus.PENDING
    await store.relationships.ask(bugs.id, ann.id, LATER)
    await store.save()
    assert await store.relationships.contact_status(ann.id, bugs.id) is ContactStatus.CONTACT
    listed = await store.relationships.contacts_of(ann.id, None, 10)
    assert [(c.user.username, c.status) for c in listed] == [
        ("bugs", ContactStatus.CONTACT),
        ("daffy", ContactStatus.PENDING),
    ]
    assert [c.user.username for c in await store.relationships.contacts_of(ann.id, "bugs", 10)] == [
        "daffy"
    ]
    assert isinstance(listed[0], Contact)
    assert await store.relationships.drop(ann.id, bugs.id)
    assert await store.relationships.drop(ann.id, bugs.id) is False
    await store.save()
    assert await store.relationships.contact_status(ann.id, bugs.id) is ContactStatus.PENDING


async def test_a_direct_route_says_what_a_send_needs_to_know(store: Store) -> None:
    ann, bugs, daffy, _ = await users(store, "ann", "bugs", "daffy", "elmer", disabled="elmer")
    made = await conversation(store, ann, bugs, key=direct_key(ann.id, bugs.id))
    to_bugs = await store.routes.find(ann.id, "bugs")
    assert to_bugs is not None
    assert to_bugs.recipient == await store.directory.find("bugs")
    assert (to_bugs.conversation, to_bugs.blocked, to_bugs.restricted) == (made, False, False)
    # The same conversation whichever of the two sends (the key orders their ids).
    to_ann = await store.routes.find(bugs.id, "ann")
    assert to_ann is not None
    assert to_ann.conversation == made
    to_daffy = await store.routes.find(ann.id, "daffy")
    assert to_daffy is not None
    assert to_daffy.conversation is None
    assert await store.routes.find(ann.id, "elmer") is None  # disabled
    assert await store.routes.find(ann.id, "nobody") is None

    assert await store.relationships.block(daffy.id, ann.id, NOW)
    await store.profiles.save(Profile(bugs.id, None, None, contacts_only=True), NOW)
    await store.save()
    blocked = await store.routes.find(ann.id, "daffy")
    assert blocked is not None
    assert (blocked.blocked, blocked.restricted) == (True, False)
    restricted = await store.routes.find(ann.id, "bugs")
    assert restricted is not None
    assert (restricted.blocked, restricted.restricted) == (False, True)
    await store.relationships.ask(ann.id, bugs.id, NOW)
    await store.save()
    asked = await store.routes.find(ann.id, "bugs")
    assert asked is not None
    assert asked.restricted  # a request is not yet a contact
    await store.relationships.ask(bugs.id, ann.id, NOW)
    await store.save()
    contacts = await store.routes.find(ann.id, "bugs")
    assert contacts is not None
    assert not contacts.restricted


async def test_the_event_log_replays_each_users_events_after_an_id(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    made = [
        LiveEvent(
            next_id(), LiveKind.MESSAGE, f'{{"n":{i},"t":"\U0001f955"}}', NOW, (ann.id, bugs.id)
        )
        for i in range(4)
    ]
    for e in made:
        await store.events.add(e)
    await store.events.add(LiveEvent(next_id(), LiveKind.READ, "{}", LATER, (bugs.id,)))
    await store.save()
    after = await store.events.after(ann.id, made[0].id, 2)
    assert after == [replace(e, recipients=(ann.id,)) for e in made[1:3]]
    assert [e.kind for e in await store.events.after(bugs.id, made[3].id, 10)] == [LiveKind.READ]
    assert await store.events.after(ann.id, made[3].id, 10) == []


async def test_the_event_log_purges_the_oldest_events_before_a_time(store: Store) -> None:
    ann, bugs = await users(store, "ann", "bugs")
    old = LiveEvent(next_id(), LiveKind.MESSAGE, "{}", NOW, (ann.id, bugs.id))
    kept = LiveEvent(next_id(), LiveKind.READ, "{}", LATER, (ann.id,))
    for e in (old, kept):
        await store.events.add(e)
    await store.save()
    assert await store.events.purge(NOW, 10) == 0  # nothing made before NOW
    assert await store.events.purge(LATER, 1) == 1  # one row: one recipient's copy
    assert await store.events.purge(LATER, 10) == 1
    await store.save()
    assert await store.events.after(ann.id, ZERO, 10) == [kept]
    assert await store.events.after(bugs.id, ZERO, 10) == []


async def test_unread_groups_are_due_once_per_window(store: Store) -> None:
    ann, bugs, daffy = await users(store, "ann", "bugs", "daffy")
    c = await conversation(store, ann, bugs, daffy)
    early = [message(c, s, f"m{i}", NOW) for i, s in enumerate([ann, daffy, ann, ann])]
    for m in early:
        others = [u.id for u in (ann, bugs, daffy) if u.id != m.sender_id]
        await store.messages.add(m, others)
    gone = message(c, daffy, "gone", NOW)
    await store.messages.add(gone, [ann.id, bugs.id])
    await store.messages.update(gone.tombstone(NOW))
    late = message(c, ann, "late", LATER)
    await store.messages.add(late, [bugs.id, daffy.id])
    await store.messages.mark_read(daffy.id, c.id, early[3].id, NOW)
    await store.save()
    cutoff = NOW + timedelta(minutes=1)
    due = await store.notices.due(cutoff, cutoff, 10)
    assert sorted(due, key=lambda g: g.user_id) == sorted(
        [
            UnreadGroup(bugs.id, c.id, 4, ("ann", "daffy"), early[3].id),
            UnreadGroup(ann.id, c.id, 1, ("daffy",), early[1].id),
        ],
        key=lambda g: g.user_id,
    )
    assert len(await store.notices.due(cutoff, cutoff, 1)) == 1
    for group in due:
        await store.notices.told(group, NOW)
    await store.save()
    assert await store.notices.due(cutoff, cutoff, 10) == []
    # A later window counts only what came after the last notice.
    much_later = LATER + timedelta(minutes=1)
    again = await store.notices.due(much_later, much_later, 10)
    assert sorted((g.user_id, g.count, g.up_to) for g in again) == sorted(
        [(bugs.id, 1, late.id), (daffy.id, 1, late.id)]
    )
