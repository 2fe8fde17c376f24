"""Messaging's hot statements on PostgreSQL, one each on the direct pool
(docs/decisions/direct-pool.md), so that reading a page, checking a send, sending and
delivering open no ORM session transaction.

- A conversation's pages of messages: the page's ids through the `(conversation_id,
  id)` index, then each message with its sender's name, its receipts and its reactions
  as arrays, so a page is one round trip and no ORM row processing. Through the session
  a page was five statements, most of the about 4 ms of API CPU a read took. Times come
  back as integer microseconds since 1970, exact and cheaper to decode than
  `timestamptz`. (The seed's `GET /api/messages/{user_name}` comes rendered by the
  database instead: `messaging_pages_postgres.py`.)
- The lookups: a user by name, a pair's direct conversation; before a direct send or a
  read of the pair's messages, all of the other user in one statement
  (`PostgresDirectRoutes`): the user, the pair's conversation, the blocks, the
  contacts-only choice.
- A send's write (`PostgresMessagePosts`): the message, its receipts, the conversation's
  activity and the live event, one statement and so its own transaction, instead of
  BEGIN, four statements and COMMIT through the session; and a delivery
  (`mark_delivered`), one statement the same way.

The reads see committed rows only: no use case reads them after writing them in the
same unit of work (a direct conversation a send makes is used as made, not read back; a
raced one was committed by the other send before its insert could conflict)."""

# ruff: noqa: S608 -- the SQL is built from fixed fragments, numbered parameters and an int

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.messaging import (
    SqlConversationRepository,
    SqlMessageRepository,
    SqlProfileRepository,
    SqlRelationshipRepository,
    SqlUserDirectory,
    attachments_of,
    dump_attachments,
    reactions_of,
)
from application.ports.messaging import DirectRoute
from domain.messaging import (
    Conversation,
    ConversationKind,
    DirectoryEntry,
    LiveEvent,
    Message,
    Profile,
    Receipt,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(column: str) -> str:
    return f"(extract(epoch FROM {column}) * 1000000)::int8"


# `{page}` selects the page's message ids as `id`, in the page's order.
_PAGE = f"""
WITH page AS ({{page}})
SELECT m.id, m.conversation_id, m.sender_id, u.username, m.body, m.attachments,
       {_us("m.created_at")}, m.client_msg_id, {_us("m.edited_at")}, {_us("m.deleted_at")},
       r.users, r.delivered, r.read, x.emoji, x.users
FROM page
JOIN messages m ON m.id = page.id
JOIN users u ON u.id = m.sender_id
LEFT JOIN LATERAL (
    SELECT array_agg(user_id ORDER BY user_id) AS users,
           array_agg({_us("delivered_at")} ORDER BY user_id) AS delivered,
           array_agg({_us("read_at")} ORDER BY user_id) AS read
    FROM message_receipts WHERE message_id = m.id
) r ON true
LEFT JOIN LATERAL (
    SELECT array_agg(emoji ORDER BY created_at, user_id) AS emoji,
           array_agg(user_id ORDER BY created_at, user_id) AS users
    FROM message_reactions WHERE message_id = m.id
) x ON true
ORDER BY m.id {{order}}
"""


def _time(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


def _message(r: Any) -> Message:
    receipts: tuple[Receipt, ...] = ()
    if r[10] is not None:
        receipts = tuple(
            Receipt(user, _time(delivered), _time(read))
            for user, delivered, read in zip(r[10], r[11], r[12], strict=True)
        )
    given: dict[str, list[UUID]] = {}
    for emoji, user in zip(r[13] or (), r[14] or (), strict=True):
        given.setdefault(emoji, []).append(user)
    created_at = _time(r[6])
    assert created_at is not None  # NOT NULL
    return Message(
        id=r[0],
        conversation_id=r[1],
        sender_id=r[2],
        sender=r[3],
        body=r[4],
        attachments=attachments_of(r[5]),
        created_at=created_at,
        client_msg_id=r[7],
        receipts=receipts,
        edited_at=_time(r[8]),
        deleted_at=_time(r[9]),
        reactions=tuple(reactions_of(given)),
    )


_DELIVERED = """
UPDATE message_receipts SET delivered_at = $3
WHERE user_id = $1 AND message_id = ANY($2::uuid[]) AND delivered_at IS NULL
"""


class PageWindow:
    """The page's conditions as SQL with their arguments, numbered after `args`."""

    def __init__(self, args: list[Any]) -> None:
        self.args = args
        self.where: list[str] = []

    def arg(self, value: Any, cast: str) -> str:
        self.args.append(value)
        return f"${len(self.args)}::{cast}"

    def bounds(self, before: UUID | None, after: UUID | None, since: datetime | None) -> str:
        if before is not None:
            self.where.append(f"id < {self.arg(before, 'uuid')}")
        if after is not None:
            self.where.append(f"id > {self.arg(after, 'uuid')}")
        if since is not None:
            self.where.append(f"created_at >= {self.arg(since, 'timestamptz')}")
        return "".join(f" AND {w}" for w in self.where)


class PostgresMessageRepository(SqlMessageRepository):
    """Writes and single reads in the request's session; pages from the direct pool, so
    they see committed messages only (they are only ever read by the listing use cases,
    which write nothing before them); deliveries written on the direct pool."""

    def __init__(self, session: AsyncSession, dialect: SqlDialect, pool: DirectPool) -> None:
        super().__init__(session, dialect)
        self._pool = pool

    async def in_conversation(
        self,
        conversation_id: UUID,
        before: UUID | None,
        after: UUID | None,
        limit: int,
        since: datetime | None = None,
    ) -> list[Message]:
        window = PageWindow([conversation_id])
        conditions = window.bounds(before, after, since)
        order = "ASC" if after is not None and before is None else "DESC"
        # LIMIT as a literal (a bounded int): the plan of a prepared statement is reused.
        page = (
            f"SELECT id FROM messages WHERE conversation_id = $1::uuid{conditions} "
            f"ORDER BY id {order} LIMIT {int(limit)}"
        )
        return await self._page(page, order, window.args)

    async def mark_delivered(
        self, user_id: UUID, message_ids: Sequence[UUID], now: datetime
    ) -> None:
        # Its own statement's transaction: a live stream delivers each message it sends,
        # and through the session that was BEGIN, UPDATE and COMMIT for every one.
        await self._pool.write(_DELIVERED, user_id, list(message_ids), now)

    async def _page(self, page: str, order: str, args: Sequence[Any]) -> list[Message]:
        rows = await self._pool.fetch(_PAGE.format(page=page, order=order), *args)
        return [_message(r) for r in rows]


_FIND = """
SELECT u.id, u.username, p.first_name, p.last_name, u.created_at
FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id
WHERE u.username = $1 AND NOT u.disabled
"""
_DIRECT = "SELECT id, kind, title, created_at, activity_id FROM conversations WHERE direct_key = $1"
_BLOCKED = """
SELECT EXISTS (SELECT 1 FROM user_blocks
               WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1))
"""
_PROFILE = "SELECT first_name, last_name, contacts_only FROM user_profiles WHERE user_id = $1"


class PostgresUserDirectory(SqlUserDirectory):
    def __init__(self, session: AsyncSession, reads: DirectPool) -> None:
        super().__init__(session)
        self._reads = reads

    async def find(self, username: str) -> DirectoryEntry | None:
        rows = await self._reads.fetch(_FIND, username)
        return None if not rows else DirectoryEntry(*rows[0])


class PostgresConversationRepository(SqlConversationRepository):
    def __init__(self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool) -> None:
        super().__init__(session, dialect)
        self._reads = reads

    async def direct(self, key: str) -> Conversation | None:
        rows = await self._reads.fetch(_DIRECT, key)
        if not rows:
            return None
        ident, kind, title, created_at, activity_id = rows[0]
        return Conversation(ident, ConversationKind(kind), title, created_at, activity_id)


class PostgresRelationshipRepository(SqlRelationshipRepository):
    def __init__(self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool) -> None:
        super().__init__(session, dialect)
        self._reads = reads

    async def blocked_between(self, a: UUID, b: UUID) -> bool:
        return bool((await self._reads.fetch(_BLOCKED, a, b))[0][0])


class PostgresProfileRepository(SqlProfileRepository):
    def __init__(self, session: AsyncSession, dialect: SqlDialect, reads: DirectPool) -> None:
        super().__init__(session, dialect)
        self._reads = reads

    async def get(self, user_id: UUID) -> Profile | None:
        rows = await self._reads.fetch(_PROFILE, user_id)
        return None if not rows else Profile(user_id, *rows[0])


def direct_key_sql(a: str, b: str) -> str:
    """`domain.messaging.direct_key` of two uuid expressions in SQL: the two ids' hex, the
    lower first (PostgreSQL orders uuids as Python does)."""
    return (
        f"CASE WHEN {a} < {b} THEN replace({a}::text, '-', '') || replace({b}::text, '-', '') "
        f"ELSE replace({b}::text, '-', '') || replace({a}::text, '-', '') END"
    )


# A direct send's reads in one: the recipient (with their profile's contacts-only
# choice), the pair's conversation by its key, the blocks either way, and, for a
# contacts-only recipient, whether both asked to be contacts.
_ROUTE = f"""
WITH r AS (
    SELECT u.id, u.username, p.first_name, p.last_name, u.created_at,
           coalesce(p.contacts_only, false) AS contacts_only
    FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id
    WHERE u.username = $2 AND NOT u.disabled
)
SELECT r.id, r.username, r.first_name, r.last_name, r.created_at,
       c.id, c.kind, c.title, c.created_at, c.activity_id,
       EXISTS (SELECT 1 FROM user_blocks
               WHERE (blocker_id = $1 AND blocked_id = r.id)
                  OR (blocker_id = r.id AND blocked_id = $1)),
       r.contacts_only AND NOT (
           EXISTS (SELECT 1 FROM user_contacts WHERE user_id = $1 AND contact_id = r.id)
           AND EXISTS (SELECT 1 FROM user_contacts WHERE user_id = r.id AND contact_id = $1))
FROM r
LEFT JOIN conversations c ON c.direct_key = {direct_key_sql("$1::uuid", "r.id")}
"""


class PostgresDirectRoutes:
    def __init__(self, reads: DirectPool) -> None:
        self._reads = reads

    async def find(self, sender: UUID, recipient_name: str) -> DirectRoute | None:
        rows = await self._reads.fetch(_ROUTE, sender, recipient_name)
        if not rows:
            return None
        r = rows[0]
        conversation = None
        if r[5] is not None:
            conversation = Conversation(r[5], ConversationKind(r[6]), r[7], r[8], r[9])
        return DirectRoute(DirectoryEntry(*r[:5]), conversation, r[10], r[11])


# The message first; the rest only if it was inserted (a retried client_msg_id is not).
_POST = """
WITH m AS (
    INSERT INTO messages (id, conversation_id, sender_id, body, attachments, client_msg_id,
                          created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (sender_id, client_msg_id) DO NOTHING
    RETURNING id
), receipts AS (
    INSERT INTO message_receipts (user_id, conversation_id, message_id)
    SELECT r, $2, m.id FROM m CROSS JOIN unnest($8::uuid[]) AS r
), activity AS (
    UPDATE conversations c SET activity_id = m.id FROM m
    WHERE c.id = $2 AND c.activity_id < m.id
), events AS (
    INSERT INTO message_events (user_id, id, kind, data, created_at)
    SELECT u, $9, $10, $11, $12 FROM m CROSS JOIN unnest($13::uuid[]) AS u
)
SELECT count(*) AS posted FROM m
"""


class PostgresMessagePosts:
    """`MessagePosts` in one statement on the direct pool: committed when it returns.
    The unit of work must have committed whatever the message needs first (a new
    direct conversation: `SendMessage` commits it)."""

    def __init__(self, pool: DirectPool) -> None:
        self._pool = pool

    async def post(self, message: Message, recipients: Sequence[UUID], event: LiveEvent) -> bool:
        m, e = message, event
        rows = await self._pool.write(
            _POST,
            m.id,
            m.conversation_id,
            m.sender_id,
            m.body,
            dump_attachments(m.attachments),
            m.client_msg_id,
            m.created_at,
            list(recipients),
            e.id,
            e.kind.value,
            e.data,
            e.created_at,
            list(e.recipients),
        )
        return bool(rows[0]["posted"])
