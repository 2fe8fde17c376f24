"""Topics and subscriptions in SQL. Adding or removing up to 1,000 recipients is one
set-based statement (`INSERT ... SELECT ... ON CONFLICT`, `DELETE ... IN (SELECT ...)`)
after one read that tells unknown ids and subscriptions already there apart. Foreign keys
cascade: a topic's subscriptions go with it, a recipient's with its erasure."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Row, String, Table, and_, bindparam, delete, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.tables.recipients import RecipientRow
from adapters.sql.tables.topics import TOPIC_KEY, TopicRow, TopicSubscriptionRow
from domain.preferences import Channel
from domain.topics import Membership, Subscriber, SubscriptionChange, Topic

T = cast(Table, TopicRow.__table__)
S = cast(Table, TopicSubscriptionRow.__table__)
R = cast(Table, RecipientRow.__table__)
# Built once, their values as parameters: see docs/architecture.md, "Layers".
_GET = select(T).where(T.c.key == bindparam("key"))


class SqlTopicRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def get(self, key: str) -> Topic | None:
        row = (await self._db.execute(_GET, {"key": key})).first()
        return None if row is None else _topic(row)

    async def save(self, topic: Topic) -> None:
        values = {
            "name": topic.name,
            "description": topic.description,
            "self_service": topic.self_service,
            "created_at": topic.created_at,
            "updated_at": topic.updated_at,
        }
        stmt = self._insert(TopicRow).values(key=topic.key, **values)
        await self._db.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))

    async def delete(self, key: str) -> bool:
        result = await self._db.execute(delete(T).where(T.c.key == key))
        return bool(getattr(result, "rowcount", 0))

    async def list_after(self, after: str | None, limit: int) -> list[Topic]:
        query = select(T).order_by(T.c.key).limit(limit)
        if after is not None:
            query = query.where(T.c.key > after)
        return [_topic(row) for row in await self._db.execute(query)]

    async def count_subscribers(self, key: str) -> int:
        # The count the triggers of migration 0017 keep; no topic: none.
        query = select(T.c.subscribers).where(T.c.key == key)
        return int((await self._db.execute(query)).scalar() or 0)

    async def subscribe(
        self,
        key: str,
        external_ids: Sequence[str],
        channels: tuple[Channel, ...] | None,
        now: datetime,
    ) -> SubscriptionChange:
        known = await self._known(key, external_ids)
        rows = select(
            literal(key, TOPIC_KEY),
            R.c.id,
            literal(None if channels is None else ",".join(channels), String(20)),
            literal(now, DateTimeUTC),
        ).where(R.c.external_id.in_(external_ids))
        insert = self._insert(S).from_select(
            ["topic_key", "recipient_id", "channels", "created_at"], rows
        )
        pair = ["topic_key", "recipient_id"]
        if channels is None:
            await self._db.execute(insert.on_conflict_do_nothing(index_elements=pair))
        else:
            override = {"channels": insert.excluded.channels}
            await self._db.execute(insert.on_conflict_do_update(index_elements=pair, set_=override))
        added = sum(not subscribed for subscribed in known.values())
        return SubscriptionChange(added, [e for e in external_ids if e not in known])

    async def unsubscribe(self, key: str, external_ids: Sequence[str]) -> SubscriptionChange:
        known = await self._known(key, external_ids)
        ids = select(R.c.id).where(R.c.external_id.in_(external_ids))
        result = await self._db.execute(
            delete(S).where(S.c.topic_key == key, S.c.recipient_id.in_(ids))
        )
        removed = int(getattr(result, "rowcount", 0))
        return SubscriptionChange(removed, [e for e in external_ids if e not in known])

    async def subscribers_after(self, key: str, after: UUID | None, limit: int) -> list[Subscriber]:
        query = (
            select(S.c.recipient_id, R.c.external_id, S.c.channels, S.c.created_at)
            .join(R, R.c.id == S.c.recipient_id)
            .where(S.c.topic_key == key)
            .order_by(S.c.recipient_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(S.c.recipient_id > after)
        return [
            Subscriber(r.recipient_id, r.external_id, _channels(r.channels), r.created_at)
            for r in await self._db.execute(query)
        ]

    async def memberships_of(
        self, external_id: str, after: str | None, limit: int
    ) -> list[Membership]:
        me = select(R.c.id).where(R.c.external_id == external_id).scalar_subquery()
        mine = and_(S.c.topic_key == T.c.key, S.c.recipient_id == me)
        subscribed = S.c.recipient_id.is_not(None)
        query = (
            select(T, S.c.channels, subscribed.label("subscribed"))
            .select_from(T.outerjoin(S, mine))
            .where(or_(T.c.self_service, subscribed))
            .order_by(T.c.key)
            .limit(limit)
        )
        if after is not None:
            query = query.where(T.c.key > after)
        return [
            Membership(_topic(row), bool(row.subscribed), _channels(row.channels))
            for row in await self._db.execute(query)
        ]

    async def _known(self, key: str, external_ids: Sequence[str]) -> dict[str, bool]:
        """The ids a recipient has, each saying whether it is subscribed to `key`."""
        query = (
            select(R.c.external_id, S.c.recipient_id.is_not(None))
            .select_from(R.outerjoin(S, and_(S.c.recipient_id == R.c.id, S.c.topic_key == key)))
            .where(R.c.external_id.in_(external_ids))
        )
        return {external_id: bool(on) for external_id, on in await self._db.execute(query)}


def _channels(raw: str | None) -> tuple[Channel, ...] | None:
    return None if raw is None else tuple(Channel(c) for c in raw.split(","))


def _topic(row: Row[Any]) -> Topic:
    m = row._mapping
    return Topic(
        m["key"], m["name"], m["description"], m["self_service"], m["created_at"], m["updated_at"]
    )
