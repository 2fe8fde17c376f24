"""Messaging in SQL: the directory over the users' table and their profiles,
conversations and members, messages and receipts, in the request's session.

Pages walk an index from the cursor: a conversation's messages by
`(conversation_id, id)`, a user's own messages conversation by conversation the same way
(each reads at most a page, then the pages are merged), so a page costs the same
however long the history is. Inserts that race (the first message of a pair from both
sides, a retried send) are `ON CONFLICT DO NOTHING`, and the loser reads the winner.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    Row,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from adapters.sql.dialect import SqlDialect
from adapters.sql.tables.accounts import UserRow
from adapters.sql.tables.messaging import (
    ConversationMemberRow,
    ConversationRow,
    MessageEventRow,
    MessageNoticeRow,
    MessageReactionRow,
    MessageReceiptRow,
    MessageRow,
    UserBlockRow,
    UserContactRow,
    UserProfileRow,
)
from domain.messaging import (
    Attachment,
    Contact,
    ContactStatus,
    Conversation,
    ConversationKind,
    ConversationSummary,
    DirectoryEntry,
    LiveEvent,
    LiveKind,
    Member,
    MemberRole,
    Message,
    Profile,
    Reaction,
    Receipt,
    UnreadGroup,
)

U = cast(Table, UserRow.__table__)
P = cast(Table, UserProfileRow.__table__)
C = cast(Table, ConversationRow.__table__)
CM = cast(Table, ConversationMemberRow.__table__)
M = cast(Table, MessageRow.__table__)
MR = cast(Table, MessageReceiptRow.__table__)
RX = cast(Table, MessageReactionRow.__table__)
B = cast(Table, UserBlockRow.__table__)
K = cast(Table, UserContactRow.__table__)
EV = cast(Table, MessageEventRow.__table__)
N = cast(Table, MessageNoticeRow.__table__)

_ENTRY = select(U.c.id, U.c.username, P.c.first_name, P.c.last_name, U.c.created_at).select_from(
    U.outerjoin(P, P.c.user_id == U.c.id)
)


def _entry(row: Row[Any]) -> DirectoryEntry:
    return DirectoryEntry(row.id, row.username, row.first_name, row.last_name, row.created_at)


class SqlUserDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def find(self, username: str) -> DirectoryEntry | None:
        query = _ENTRY.where(U.c.username == username, U.c.disabled.is_(False))
        row = (await self._db.execute(query)).first()
        return None if row is None else _entry(row)

    async def find_many(self, usernames: Sequence[str]) -> dict[str, DirectoryEntry]:
        query = _ENTRY.where(U.c.username.in_(usernames), U.c.disabled.is_(False))
        return {row.username: _entry(row) for row in await self._db.execute(query)}

    async def search(
        self, prefix: str, after: str | None, limit: int, viewer: UUID
    ) -> list[DirectoryEntry]:
        blocked = exists().where(_either_blocked(viewer, U.c.id))
        query = _ENTRY.where(U.c.disabled.is_(False), ~blocked).order_by(U.c.username).limit(limit)
        if prefix:
            query = query.where(U.c.username.startswith(prefix, autoescape=True))
        if after is not None:
            query = query.where(U.c.username > after)
        return [_entry(row) for row in await self._db.execute(query)]


class SqlRelationshipRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def block(self, blocker: UUID, blocked: UUID, now: datetime) -> bool:
        stmt = self._insert(B).values(blocker_id=blocker, blocked_id=blocked, created_at=now)
        stmt = stmt.on_conflict_do_nothing(index_elements=["blocker_id", "blocked_id"])
        return (await self._db.execute(stmt.returning(B.c.blocker_id))).first() is not None

    async def unblock(self, blocker: UUID, blocked: UUID) -> bool:
        result = await self._db.execute(
            delete(B).where(B.c.blocker_id == blocker, B.c.blocked_id == blocked)
        )
        return bool(getattr(result, "rowcount", 0))

    async def blocked_between(self, a: UUID, b: UUID) -> bool:
        query = select(exists().where(_either_blocked(a, b)))
        return bool((await self._db.execute(query)).scalar_one())

    async def blocked_by(
        self, blocker: UUID, after: str | None, limit: int
    ) -> list[DirectoryEntry]:
        query = (
            _ENTRY.join(B, and_(B.c.blocked_id == U.c.id, B.c.blocker_id == blocker))
            .order_by(U.c.username)
            .limit(limit)
        )
        if after is not None:
            query = query.where(U.c.username > after)
        return [_entry(row) for row in await self._db.execute(query)]

    async def ask(self, user_id: UUID, contact_id: UUID, now: datetime) -> None:
        stmt = self._insert(K).values(user_id=user_id, contact_id=contact_id, created_at=now)
        await self._db.execute(
            stmt.on_conflict_do_nothing(index_elements=["user_id", "contact_id"])
        )

    async def drop(self, user_id: UUID, contact_id: UUID) -> bool:
        result = await self._db.execute(
            delete(K).where(K.c.user_id == user_id, K.c.contact_id == contact_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def contact_status(self, user_id: UUID, other: UUID) -> ContactStatus | None:
        query = select(K.c.user_id).where(
            or_(
                and_(K.c.user_id == user_id, K.c.contact_id == other),
                and_(K.c.user_id == other, K.c.contact_id == user_id),
            )
        )
        askers = {asker for (asker,) in await self._db.execute(query)}
        return _status(user_id in askers, other in askers)

    async def contacts_of(self, user_id: UUID, after: str | None, limit: int) -> list[Contact]:
        mine = select(K.c.contact_id.label("other")).where(K.c.user_id == user_id)
        theirs = select(K.c.user_id.label("other")).where(K.c.contact_id == user_id)
        others = union_all(mine, theirs).subquery()
        asked = exists().where(K.c.user_id == user_id, K.c.contact_id == U.c.id)
        asks = exists().where(K.c.user_id == U.c.id, K.c.contact_id == user_id)
        query = (
            _ENTRY.add_columns(asked.label("asked"), asks.label("asks"))
            .where(U.c.id.in_(select(others.c.other)))
            .order_by(U.c.username)
            .limit(limit)
        )
        if after is not None:
            query = query.where(U.c.username > after)
        found = []
        for row in await self._db.execute(query):
            status = _status(bool(row.asked), bool(row.asks))
            assert status is not None, "listed because one of them asked"
            found.append(Contact(_entry(row), status))
        return found


def _either_blocked(a: Any, b: Any) -> Any:
    """Whether `a` blocked `b` or `b` blocked `a` (ids or columns)."""
    return or_(
        and_(B.c.blocker_id == a, B.c.blocked_id == b),
        and_(B.c.blocker_id == b, B.c.blocked_id == a),
    )


def _status(asked: bool, asks: bool) -> ContactStatus | None:
    """From whether I asked them and whether they asked me."""
    if asked and asks:
        return ContactStatus.CONTACT
    if asked:
        return ContactStatus.REQUESTED
    return ContactStatus.PENDING if asks else None


class SqlProfileRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def get(self, user_id: UUID) -> Profile | None:
        row = (await self._db.execute(select(P).where(P.c.user_id == user_id))).first()
        if row is None:
            return None
        return Profile(row.user_id, row.first_name, row.last_name, row.contacts_only)

    async def save(self, profile: Profile, now: datetime) -> None:
        values = {
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "contacts_only": profile.contacts_only,
            "updated_at": now,
        }
        stmt = self._insert(P).values(user_id=profile.user_id, **values)
        await self._db.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))


_MEMBER = select(CM, U.c.username).join(U, U.c.id == CM.c.user_id)


def _member(row: Row[Any]) -> Member:
    return Member(
        row.conversation_id,
        row.user_id,
        row.username,
        MemberRole(row.role),
        row.joined_at,
        row.read_up_to,
    )


def _conversation(row: Row[Any]) -> Conversation:
    m = row._mapping
    return Conversation(
        m["id"], ConversationKind(m["kind"]), m["title"], m["created_at"], m["activity_id"]
    )


class SqlConversationRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert
        self._messages = SqlMessageRepository(session, dialect)

    async def get(self, conversation_id: UUID) -> Conversation | None:
        row = (await self._db.execute(select(C).where(C.c.id == conversation_id))).first()
        return None if row is None else _conversation(row)

    async def direct(self, key: str) -> Conversation | None:
        row = (await self._db.execute(select(C).where(C.c.direct_key == key))).first()
        return None if row is None else _conversation(row)

    async def add(
        self, conversation: Conversation, members: Sequence[Member], key: str | None = None
    ) -> bool:
        c = conversation
        stmt = self._insert(C).values(
            id=c.id,
            kind=c.kind.value,
            title=c.title,
            direct_key=key,
            created_at=c.created_at,
            activity_id=c.activity_id,
        )
        if key is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["direct_key"])
        added = await self._db.execute(stmt.returning(C.c.id))
        if added.first() is None:
            return False
        await self.add_members(members)
        return True

    async def member(self, conversation_id: UUID, user_id: UUID) -> Member | None:
        query = _MEMBER.where(CM.c.conversation_id == conversation_id, CM.c.user_id == user_id)
        row = (await self._db.execute(query)).first()
        return None if row is None else _member(row)

    async def members(self, conversation_id: UUID) -> list[Member]:
        query = _MEMBER.where(CM.c.conversation_id == conversation_id).order_by(
            CM.c.joined_at, CM.c.user_id
        )
        return [_member(row) for row in await self._db.execute(query)]

    async def add_members(self, members: Sequence[Member]) -> None:
        if not members:
            return
        rows = [
            {
                "conversation_id": m.conversation_id,
                "user_id": m.user_id,
                "role": m.role.value,
                "joined_at": m.joined_at,
            }
            for m in members
        ]
        stmt = self._insert(CM).values(rows)
        await self._db.execute(
            stmt.on_conflict_do_nothing(index_elements=["conversation_id", "user_id"])
        )

    async def remove_member(self, conversation_id: UUID, user_id: UUID) -> bool:
        result = await self._db.execute(
            CM.delete().where(CM.c.conversation_id == conversation_id, CM.c.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def set_role(self, member: Member) -> None:
        await self._db.execute(
            update(CM)
            .where(CM.c.conversation_id == member.conversation_id, CM.c.user_id == member.user_id)
            .values(role=member.role.value)
        )

    async def move_read_marker(
        self, conversation_id: UUID, user_id: UUID, up_to: UUID
    ) -> UUID | None:
        mine = and_(CM.c.conversation_id == conversation_id, CM.c.user_id == user_id)
        behind = or_(CM.c.read_up_to.is_(None), CM.c.read_up_to < up_to)
        await self._db.execute(update(CM).where(mine, behind).values(read_up_to=up_to))
        return (await self._db.execute(select(CM.c.read_up_to).where(mine))).scalar_one_or_none()

    async def conversations_of(
        self, user_id: UUID, before: UUID | None, limit: int
    ) -> list[ConversationSummary]:
        query = (
            select(C)
            .join(CM, and_(CM.c.conversation_id == C.c.id, CM.c.user_id == user_id))
            .order_by(C.c.activity_id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(C.c.activity_id < before)
        conversations = [_conversation(row) for row in await self._db.execute(query)]
        if not conversations:
            return []
        ids = [c.id for c in conversations]
        members: dict[UUID, list[Member]] = {i: [] for i in ids}
        everyone = _MEMBER.where(CM.c.conversation_id.in_(ids)).order_by(
            CM.c.joined_at, CM.c.user_id
        )
        for row in await self._db.execute(everyone):
            members[row.conversation_id].append(_member(row))
        unread_query = (
            select(MR.c.conversation_id, func.count())
            .where(MR.c.user_id == user_id, MR.c.conversation_id.in_(ids), MR.c.read_at.is_(None))
            .group_by(MR.c.conversation_id)
        )
        unread = {cid: int(n) for cid, n in await self._db.execute(unread_query)}
        last = {
            m.id: m for m in await self._messages.by_ids([c.activity_id for c in conversations])
        }
        return [
            ConversationSummary(
                c, tuple(members[c.id]), last.get(c.activity_id), unread.get(c.id, 0)
            )
            for c in conversations
        ]


_MESSAGE = select(M, U.c.username).join(U, U.c.id == M.c.sender_id)


def attachments_of(raw: str | None) -> tuple[Attachment, ...]:
    if raw is None:
        return ()
    return tuple(Attachment(**a) for a in json.loads(raw))


def dump_attachments(attachments: Sequence[Attachment]) -> str | None:
    if not attachments:
        return None
    return json.dumps(
        [
            {"url": a.url, "content_type": a.content_type, "width": a.width, "height": a.height}
            for a in attachments
        ],
        ensure_ascii=False,
    )


def _message(row: Row[Any], receipts: Sequence[Receipt], reactions: Sequence[Reaction]) -> Message:
    m = row._mapping
    return Message(
        id=m["id"],
        conversation_id=m["conversation_id"],
        sender_id=m["sender_id"],
        sender=m["username"],
        body=m["body"],
        attachments=attachments_of(m["attachments"]),
        created_at=m["created_at"],
        client_msg_id=m["client_msg_id"],
        receipts=tuple(receipts),
        edited_at=m["edited_at"],
        deleted_at=m["deleted_at"],
        reactions=tuple(reactions),
    )


class SqlMessageRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def add(self, message: Message, recipients: Sequence[UUID]) -> bool:
        m = message
        values = {
            "id": m.id,
            "conversation_id": m.conversation_id,
            "sender_id": m.sender_id,
            "body": m.body,
            "attachments": dump_attachments(m.attachments),
            "client_msg_id": m.client_msg_id,
            "created_at": m.created_at,
        }
        # A dialect's insert has no cache key (compiled at every run): only for ON CONFLICT.
        stmt: Any = insert(M).values(values)
        if m.client_msg_id is not None:
            stmt = (
                self._insert(M)
                .values(values)
                .on_conflict_do_nothing(index_elements=["sender_id", "client_msg_id"])
            )
        if (await self._db.execute(stmt.returning(M.c.id))).first() is None:
            return False
        if recipients:
            await self._db.execute(
                MR.insert(),
                [
                    {"user_id": r, "conversation_id": m.conversation_id, "message_id": m.id}
                    for r in recipients
                ],
            )
        await self._db.execute(
            update(C)
            .where(C.c.id == m.conversation_id, C.c.activity_id < m.id)
            .values(activity_id=m.id)
        )
        return True

    async def by_client_msg_id(self, sender_id: UUID, client_msg_id: str) -> Message | None:
        query = _MESSAGE.where(M.c.sender_id == sender_id, M.c.client_msg_id == client_msg_id)
        return next(iter(await self._read(query)), None)

    async def get(self, message_id: UUID) -> Message | None:
        return next(iter(await self._read(_MESSAGE.where(M.c.id == message_id))), None)

    async def update(self, message: Message) -> None:
        m = message
        await self._db.execute(
            update(M)
            .where(M.c.id == m.id)
            .values(
                body=m.body,
                attachments=dump_attachments(m.attachments),
                edited_at=m.edited_at,
                deleted_at=m.deleted_at,
            )
        )
        if m.deleted:
            await self._db.execute(delete(RX).where(RX.c.message_id == m.id))

    async def mark_read(
        self, user_id: UUID, conversation_id: UUID, up_to: UUID, now: datetime
    ) -> None:
        await self._db.execute(
            update(MR)
            .where(
                MR.c.user_id == user_id,
                MR.c.conversation_id == conversation_id,
                MR.c.message_id <= up_to,
                MR.c.read_at.is_(None),
            )
            .values(read_at=now, delivered_at=func.coalesce(MR.c.delivered_at, now))
        )

    async def mark_delivered(
        self, user_id: UUID, message_ids: Sequence[UUID], now: datetime
    ) -> None:
        await self._db.execute(
            update(MR)
            .where(
                MR.c.user_id == user_id,
                MR.c.message_id.in_(message_ids),
                MR.c.delivered_at.is_(None),
            )
            .values(delivered_at=now)
        )

    async def unread(self, user_id: UUID, conversation_id: UUID) -> int:
        query = select(func.count()).where(
            MR.c.user_id == user_id,
            MR.c.conversation_id == conversation_id,
            MR.c.read_at.is_(None),
        )
        return int((await self._db.execute(query)).scalar_one())

    async def react(self, message_id: UUID, user_id: UUID, emoji: str, now: datetime) -> bool:
        stmt = self._insert(RX).values(
            message_id=message_id, user_id=user_id, emoji=emoji, created_at=now
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["message_id", "user_id", "emoji"])
        return (await self._db.execute(stmt.returning(RX.c.emoji))).first() is not None

    async def unreact(self, message_id: UUID, user_id: UUID, emoji: str) -> bool:
        result = await self._db.execute(
            delete(RX).where(
                RX.c.message_id == message_id, RX.c.user_id == user_id, RX.c.emoji == emoji
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def by_ids(self, ids: Sequence[UUID]) -> list[Message]:
        return await self._read(_MESSAGE.where(M.c.id.in_(ids)))

    async def in_conversation(
        self,
        conversation_id: UUID,
        before: UUID | None,
        after: UUID | None,
        limit: int,
        since: datetime | None = None,
    ) -> list[Message]:
        query = _MESSAGE.where(M.c.conversation_id == conversation_id)
        return await self._read(_window(query, before, after, since, limit))

    async def of_user(
        self, user_id: UUID, before: UUID | None, since: datetime | None, limit: int
    ) -> list[Message]:
        mine = [
            cid
            for (cid,) in await self._db.execute(
                select(CM.c.conversation_id).where(CM.c.user_id == user_id)
            )
        ]
        if not mine:
            return []
        # Each conversation's newest `limit` ids through its own index range, merged.
        pages = [
            _window(select(M.c.id).where(M.c.conversation_id == cid), before, None, since, limit)
            for cid in mine
        ]
        merged = union_all(*(p.subquery().select() for p in pages)).subquery()
        ids = select(merged.c.id).order_by(merged.c.id.desc()).limit(limit)
        return await self._read(_MESSAGE.where(M.c.id.in_(ids)).order_by(M.c.id.desc()))

    async def _read(self, query: Select[Any]) -> list[Message]:
        rows = list(await self._db.execute(query))
        if not rows:
            return []
        receipts: dict[UUID, list[Receipt]] = {row.id: [] for row in rows}
        copies = select(MR).where(MR.c.message_id.in_(list(receipts))).order_by(MR.c.user_id)
        for r in await self._db.execute(copies):
            receipts[r.message_id].append(Receipt(r.user_id, r.delivered_at, r.read_at))
        given: dict[UUID, dict[str, list[UUID]]] = {row.id: {} for row in rows}
        emoji = (
            select(RX.c.message_id, RX.c.emoji, RX.c.user_id)
            .where(RX.c.message_id.in_(list(given)))
            .order_by(RX.c.created_at, RX.c.user_id)
        )
        for r in await self._db.execute(emoji):
            given[r.message_id].setdefault(r.emoji, []).append(r.user_id)
        return [_message(row, receipts[row.id], reactions_of(given[row.id])) for row in rows]


def reactions_of(given: dict[str, list[UUID]]) -> list[Reaction]:
    """Most given first, then in the order first given."""
    ordered = sorted(given.items(), key=lambda item: -len(item[1]))
    return [Reaction(emoji, tuple(users)) for emoji, users in ordered]


def _window(
    query: Select[Any],
    before: UUID | None,
    after: UUID | None,
    since: datetime | None,
    limit: int,
) -> Select[Any]:
    if before is not None:
        query = query.where(M.c.id < before)
    if after is not None:
        query = query.where(M.c.id > after)
    if since is not None:
        query = query.where(M.c.created_at >= since)
    forward = after is not None and before is None
    return query.order_by(M.c.id.asc() if forward else M.c.id.desc()).limit(limit)


class SqlEventLog:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add(self, event: LiveEvent) -> None:
        e = event
        rows = [
            {
                "user_id": u,
                "id": e.id,
                "kind": e.kind.value,
                "data": e.data,
                "created_at": e.created_at,
            }
            for u in e.recipients
        ]
        if rows:
            await self._db.execute(EV.insert(), rows)

    async def after(self, user_id: UUID, after: UUID, limit: int) -> list[LiveEvent]:
        query = (
            select(EV)
            .where(EV.c.user_id == user_id, EV.c.id > after)
            .order_by(EV.c.id)
            .limit(limit)
        )
        return [
            LiveEvent(r.id, LiveKind(r.kind), r.data, r.created_at, (user_id,))
            for r in await self._db.execute(query)
        ]

    async def purge(self, before: datetime, limit: int) -> int:
        oldest = (
            select(EV.c.user_id, EV.c.id)
            .where(EV.c.created_at < before)
            .order_by(EV.c.created_at)
            .limit(limit)
        )
        result = await self._db.execute(delete(EV).where(tuple_(EV.c.user_id, EV.c.id).in_(oldest)))
        return int(getattr(result, "rowcount", 0))


class SqlUnreadNotices:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def due(
        self, sent_before: datetime, told_before: datetime, limit: int
    ) -> list[UnreadGroup]:
        told = and_(N.c.user_id == MR.c.user_id, N.c.conversation_id == MR.c.conversation_id)
        unread = (
            select(MR.c.user_id, MR.c.conversation_id, MR.c.message_id, U.c.username)
            .select_from(
                MR.join(M, M.c.id == MR.c.message_id)
                .join(U, U.c.id == M.c.sender_id)
                .outerjoin(N, told)
            )
            .where(
                MR.c.read_at.is_(None),
                M.c.deleted_at.is_(None),
                M.c.created_at < sent_before,
                or_(N.c.up_to.is_(None), MR.c.message_id > N.c.up_to),
                or_(N.c.notified_at.is_(None), N.c.notified_at < told_before),
            )
            .order_by(MR.c.user_id, MR.c.conversation_id, MR.c.message_id)
        )
        groups: dict[tuple[UUID, UUID], list[tuple[UUID, str]]] = {}
        for row in await self._db.execute(unread):
            pair = (row.user_id, row.conversation_id)
            if pair not in groups and len(groups) == limit:
                break
            groups.setdefault(pair, []).append((row.message_id, row.username))
        return [
            UnreadGroup(user, conversation, len(rows), _senders(n for _, n in rows), rows[-1][0])
            for (user, conversation), rows in groups.items()
        ]

    async def told(self, group: UnreadGroup, now: datetime) -> None:
        values = {"up_to": group.up_to, "notified_at": now}
        stmt = self._insert(N).values(
            user_id=group.user_id, conversation_id=group.conversation_id, **values
        )
        await self._db.execute(
            stmt.on_conflict_do_update(index_elements=["user_id", "conversation_id"], set_=values)
        )


def _senders(names: Iterable[str]) -> tuple[str, ...]:
    """Up to three, each once, in the order they wrote."""
    return tuple(dict.fromkeys(names))[:3]
