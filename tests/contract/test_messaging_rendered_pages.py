"""Pages PostgreSQL renders (`PostgresRenderedPages`) against what the HTTP API makes of
the same messages read through the repository and delivered by `Deliveries`: the same
JSON, field for field, for the sender, a recipient and a third member, both kinds of
page (a user's own name, another's), with a cursor; the viewer's copies delivered once;
and the names that have no page or an empty one."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest

from adapters.sql.accounts import SqlUserRepository
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.messaging import SqlConversationRepository
from adapters.sql.messaging_pages_postgres import PostgresRenderedPages
from adapters.sql.messaging_postgres import PostgresMessageRepository
from adapters.sql.transactions import SqlTransactionManager
from application.messaging.deliveries import Deliveries
from application.paging import ID_CURSORS, Page, page_of
from application.ports.messaging import RenderedPage
from domain.accounts import Role, User, Username
from domain.ids import MonotonicIds
from domain.messaging import (
    Attachment,
    Conversation,
    ConversationKind,
    Member,
    MemberRole,
    Message,
    direct_key,
)
from entrypoints.http.messaging import MessagePageOut
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
READ_AT = datetime(2026, 12, 2, 6, 30, 0, 120000, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)
next_id = MonotonicIds()


class _Unwritten:
    """`Deliveries` with nothing written: what the API would show, without the write."""

    async def mark_delivered(self, *_: Any) -> None:
        return None

    async def commit(self) -> None:
        return None


@dataclass
class World:
    messages: PostgresMessageRepository
    pages: PostgresRenderedPages
    ann: User
    bugs: User
    daffy: User
    elmer: User
    direct: Conversation
    group: Conversation
    tx: SqlTransactionManager
    users: SqlUserRepository


@pytest.fixture(params=["postgres"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    async with migrated_database(request, tmp_path) as (engine, reads):
        assert reads is not None
        async with make_session_factory(engine)() as session:
            dialect = dialect_of(engine)
            users = SqlUserRepository(session)
            people = [
                User(next_id(), Username(n), "hash", Role.USER, NOW + timedelta(seconds=i))
                for i, n in enumerate(("ann", "bugs", "daffy", "elmer"))
            ]
            for u in people:
                await users.add(u)
            ann, bugs, daffy, elmer = people
            conversations = SqlConversationRepository(session, dialect)
            direct = await _conversation(conversations, direct_key(ann.id, bugs.id), ann, bugs)
            group = await _conversation(conversations, None, ann, bugs, daffy)
            messages = PostgresMessageRepository(session, dialect, reads)
            tx = SqlTransactionManager(session)
            pages = PostgresRenderedPages(reads)
            world = World(messages, pages, ann, bugs, daffy, elmer, direct, group, tx, users)
            await _fill(world)
            # Joined after the messages: copies of none of them.
            late = Member(group.id, elmer.id, "elmer", MemberRole.MEMBER, NOW + timedelta(days=1))
            await conversations.add_members([late])
            await tx.commit()
            yield world


async def _conversation(
    conversations: SqlConversationRepository, key: str | None, *members: User
) -> Conversation:
    ident = next_id()
    kind = ConversationKind.DIRECT if key else ConversationKind.GROUP
    made = Conversation(ident, kind, None if key else "G", NOW, ident)
    roles = [MemberRole.OWNER] + [MemberRole.MEMBER] * (len(members) - 1)
    joined = [
        Member(ident, u.id, u.username.value, role, NOW)
        for u, role in zip(members, roles, strict=True)
    ]
    assert await conversations.add(made, joined, key)
    return made


def _message(c: Conversation, sender: User, body: str, at: datetime, **more: Any) -> Message:
    return Message(next_id(), c.id, sender.id, sender.username.value, body, (), at, **more)


async def _fill(w: World) -> None:
    """Every field a message can show: attachments, a client id, reactions with a tie,
    an edit, a tombstone, copies delivered, read or neither, times with and without
    microseconds, and messages in a group that a direct page must not show."""
    gif = Attachment("https://media.example.com/c.gif", "image/gif", 480, 270)
    link = Attachment("https://example.com/doc.pdf", "application/pdf")
    at = [NOW + timedelta(minutes=i, microseconds=i * 250_001 % 1_000_000) for i in range(9)]
    sent = [
        _message(w.direct, w.ann, "it's \U0001f468\u200d\U0001f469\u200d\U0001f467", at[0]),
        _message(w.direct, w.bugs, 'a "quote" \\ and\nnew line', at[1], client_msg_id="c-1"),
        replace(
            _message(w.direct, w.ann, "with files", at[2], client_msg_id="c-2"),
            attachments=(gif, link),
        ),
        _message(w.group, w.daffy, "to the group", at[3]),
        _message(w.direct, w.bugs, "\u05e9\u05dc\u05d5\u05dd", at[4]),
        _message(w.group, w.ann, "group, from ann", at[5]),
        _message(w.direct, w.ann, "to be edited", at[6]),
        _message(w.direct, w.bugs, "to be deleted", at[7]),
        _message(w.direct, w.ann, "newest", NOW + timedelta(minutes=9)),
    ]
    members = {w.direct.id: [w.ann, w.bugs], w.group.id: [w.ann, w.bugs, w.daffy]}
    for m in sent:
        await w.messages.add(m, [u.id for u in members[m.conversation_id] if u.id != m.sender_id])
    reactions = [
        (sent[0], w.bugs, "\U0001f955", 0),
        (sent[0], w.ann, "\U0001f602", 1),
        (sent[0], w.ann, "\U0001f955", 2),  # the carrot twice: first
        (sent[2], w.ann, "\U0001f389", 4),  # one each: in the order given
        (sent[2], w.bugs, "\U0001f44d", 3),
        (sent[4], w.bugs, "\U0001f44d", 5),  # given at once: by the givers' ids
        (sent[4], w.ann, "\U0001f389", 5),
        (sent[3], w.bugs, "\U0001f44d", 4),
    ]
    for m, who, emoji, minute in reactions:
        await w.messages.react(m.id, who.id, emoji, NOW + timedelta(hours=1, minutes=minute))
    await w.messages.update(sent[6].edit("edited", (), at[6] + timedelta(seconds=5), timedelta(1)))
    await w.messages.update(sent[7].tombstone(at[7] + timedelta(seconds=7)))
    await w.messages.mark_read(w.bugs.id, w.direct.id, sent[0].id, READ_AT)
    await w.messages.mark_read(w.daffy.id, w.group.id, sent[5].id, READ_AT)
    await w.tx.commit()  # a delivery is a statement of its own, of committed messages
    await w.messages.mark_delivered(w.ann.id, [sent[1].id], READ_AT)


async def _expected(
    w: World, viewer: User, rows: Sequence[Message], limit: int, now: datetime
) -> dict[str, Any]:
    page = page_of(rows, limit, lambda m: m.id, ID_CURSORS)
    unwritten = _Unwritten()
    deliveries = Deliveries(unwritten, _Clock(now), unwritten)  # type: ignore[arg-type]
    shown = Page(await deliveries.reached(viewer.id, page.items), page.next_cursor)
    return dict(msgspec.to_builtins(MessagePageOut.of(shown, viewer.id)))


def _undelivered(viewer: User, rows: Sequence[Message]) -> set[UUID]:
    return {
        m.id
        for m in rows
        if (copy := m.receipt_of(viewer.id)) is not None and copy.delivered_at is None
    }


def _got(page: RenderedPage) -> dict[str, Any]:
    return {"items": msgspec.json.decode(page.items), "next_cursor": page.next_cursor}


async def _direct(
    w: World, viewer: User, since: datetime, limit: int, now: datetime
) -> RenderedPage:
    """The viewer's page of the other one of the direct pair, by their name."""
    other = w.bugs if viewer is w.ann else w.ann
    page = await w.pages.of_name(viewer.id, other.username.value, None, since, limit, now)
    assert page is not None
    return page


class _Clock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


@pytest.mark.parametrize("limit", [3, 50])
async def test_a_direct_page_is_what_the_api_makes_of_it(world: World, limit: int) -> None:
    w, now = world, NOW + timedelta(days=1, microseconds=5)
    for viewer in (w.ann, w.bugs):
        rows = await w.messages.in_conversation(w.direct.id, None, None, limit + 1, SINCE)
        expected = await _expected(w, viewer, rows, limit, now)
        got = await _direct(w, viewer, SINCE, limit, now)
        assert _got(got) == expected
        assert set(got.undelivered) == _undelivered(viewer, rows[:limit])
        assert len(expected["items"]) == min(limit, 7)
        assert (expected["next_cursor"] is None) == (limit > 7)


async def test_a_users_page_spans_their_conversations_and_follows_the_cursor(
    world: World,
) -> None:
    w, now = world, NOW + timedelta(days=1)
    for viewer in (w.ann, w.bugs, w.daffy, w.elmer):
        before: UUID | None = None
        seen = 0
        while True:
            rows = await w.messages.of_user(viewer.id, before, SINCE, 4)
            expected = await _expected(w, viewer, rows, 3, now)
            got = await w.pages.of_name(viewer.id, viewer.username.value, before, SINCE, 3, now)
            assert got is not None
            assert _got(got) == expected
            assert set(got.undelivered) == _undelivered(viewer, rows[:3])
            seen += len(expected["items"])
            if got.next_cursor is None:
                break
            before = ID_CURSORS.decode(got.next_cursor)
        assert seen == {"daffy": 2, "elmer": 2}.get(viewer.username.value, 9)


async def test_since_bounds_the_page(world: World) -> None:
    w, since = world, NOW + timedelta(minutes=6)
    got = await _direct(w, w.ann, since, 50, NOW)
    bodies = [m["body"] for m in msgspec.json.decode(got.items)]
    assert bodies == ["newest", "", "edited"]


async def test_undelivered_copies_are_shown_delivered_and_listed(world: World) -> None:
    w = world
    first, later = NOW + timedelta(days=1), NOW + timedelta(days=2)
    got = await _direct(w, w.bugs, SINCE, 50, first)
    from_ann = [m for m in msgspec.json.decode(got.items) if m["sender"] == "ann"]
    # The oldest was read (and so delivered) before; the others are delivered now.
    assert [m["delivered_at"] for m in from_ann] == [
        "2026-12-03T06:00:00Z",
        "2026-12-03T06:00:00Z",
        "2026-12-03T06:00:00Z",
        "2026-12-02T06:30:00.120000Z",
    ]
    assert sorted(got.undelivered) == sorted(UUID(m["id"]) for m in from_ann[:3])
    # A read writes nothing: `Deliveries` records what it listed.
    stored = await w.messages.in_conversation(w.direct.id, None, None, 50)
    assert [m.seen_by(w.bugs.id)[0] for m in stored if m.sender_id == w.ann.id] == [
        None,
        None,
        None,
        READ_AT,
    ]
    await w.messages.mark_delivered(w.bugs.id, got.undelivered, first)
    again = await _direct(w, w.bugs, SINCE, 50, later)
    assert msgspec.json.decode(again.items) == msgspec.json.decode(got.items)
    assert again.undelivered == ()
    senders = await _direct(w, w.ann, SINCE, 50, later)
    own = [m for m in msgspec.json.decode(senders.items) if m["sender"] == "ann"]
    assert [m["delivered_at"] for m in own] == [m["delivered_at"] for m in from_ann]
    assert set(senders.undelivered) == _undelivered(w.ann, stored)  # bugs' two to ann
    assert len(senders.undelivered) == 2


async def test_a_name_without_a_direct_conversation_is_an_empty_page(world: World) -> None:
    w = world  # elmer shares only the group with ann, and has no direct conversation
    for viewer, name in ((w.elmer, "ann"), (w.ann, "elmer")):
        got = await w.pages.of_name(viewer.id, name, None, SINCE, 50, NOW)
        assert got is not None
        assert (_got(got), got.undelivered) == ({"items": [], "next_cursor": None}, ())


async def test_an_unknown_or_disabled_name_is_no_page(world: World) -> None:
    w = world
    assert await w.pages.of_name(w.ann.id, "nobody", None, SINCE, 50, NOW) is None
    await w.users.update(replace(w.bugs, disabled=True))
    await w.tx.commit()
    assert await w.pages.of_name(w.ann.id, "bugs", None, SINCE, 50, NOW) is None
    assert await w.pages.of_name(w.ann.id, "ann", None, SINCE, 50, NOW) is not None
