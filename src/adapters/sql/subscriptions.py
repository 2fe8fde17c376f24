"""SMS subscriptions in SQL: the subscriptions, their conversations, the inbound
messages, and the texts written to the notification engine's outbox in the request's
unit of work. A phone's one live subscription per program is a partial unique index;
adding a second is `ON CONFLICT DO NOTHING`, so the transaction stays usable."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Row, Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.notifications import add_notifications
from adapters.sql.tables.subscriptions import (
    LIVE,
    InboundSmsRow,
    SubscriptionChangeRow,
    SubscriptionMessageRow,
    SubscriptionRow,
)
from application.ports.notifications import NewNotification
from domain.errors import Conflict
from domain.subscriptions import (
    ConversationMessage,
    Direction,
    InboundSms,
    Intent,
    MessageKind,
    StateChange,
    Status,
    Subscription,
)

S = cast(Table, SubscriptionRow.__table__)
C = cast(Table, SubscriptionChangeRow.__table__)
M = cast(Table, SubscriptionMessageRow.__table__)
I = cast(Table, InboundSmsRow.__table__)  # noqa: E741
_LIVE = [Status.PENDING.value, Status.ACTIVE.value]
LIVE_TAKEN = "this phone already has a live subscription to the program"
# Replies to the phone's own messages; a confirmation or an update answers nobody.
AUTO_REPLIES = [
    k.value
    for k in (MessageKind.HELP, MessageKind.REPROMPT, MessageKind.CONFIRMED, MessageKind.DECLINED)
]
# Plain inserts are core statements run with their values as parameters: compiled once
# and cached. (A dialect's `insert`, needed only for ON CONFLICT, has no cache key, so
# SQLAlchemy compiles it again at every run.)
_INSERT_CHANGE = insert(C)
_INSERT_MESSAGE = insert(M)
# Built once, their values as parameters: see docs/architecture.md, "Layers".
_LIVE_FOR = select(S).where(
    S.c.phone == bindparam("phone"), S.c.program == bindparam("program"), S.c.status.in_(_LIVE)
)
_UPDATE = update(S).where(S.c.id == bindparam("subscription"))  # SET: the other values given
_COUNT_AUTO_REPLIES = (
    select(func.count())
    .select_from(M.join(S, M.c.subscription_id == S.c.id))
    .where(
        S.c.phone == bindparam("phone"), M.c.kind.in_(AUTO_REPLIES), M.c.at >= bindparam("since")
    )
)
_CLAIM = (
    update(I)
    .where(I.c.message_sid == bindparam("sid"), I.c.processed_at.is_(None))
    .values(processed_at=bindparam("now"))
)


def _subscription_values(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.id,
        "phone": s.phone,
        "program": s.program,
        "recipient_id": s.recipient_id,
        "user_id": s.user_id,
        "status": s.status.value,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "expires_at": s.expires_at,
        "confirmation_sent_at": s.confirmation_sent_at,
    }


def _subscription(row: Row[Any]) -> Subscription:
    m = row._mapping
    return Subscription(
        m["id"],
        m["phone"],
        m["program"],
        m["recipient_id"],
        m["user_id"],
        Status(m["status"]),
        m["created_at"],
        m["updated_at"],
        m["expires_at"],
        m["confirmation_sent_at"],
    )


def _message_values(m: ConversationMessage) -> dict[str, Any]:
    return {
        "subscription_id": m.subscription_id,
        "direction": m.direction.value,
        "body": m.body,
        "at": m.at,
        "kind": None if m.kind is None else m.kind.value,
        "notification_id": m.notification_id,
        "message_sid": m.message_sid,
        "intent": None if m.intent is None else m.intent.value,
        "confidence": m.confidence,
        "classifier": m.classifier,
    }


def _message(row: Row[Any]) -> ConversationMessage:
    m = row._mapping
    return ConversationMessage(
        subscription_id=m["subscription_id"],
        direction=Direction(m["direction"]),
        body=m["body"],
        at=m["at"],
        kind=None if m["kind"] is None else MessageKind(m["kind"]),
        notification_id=m["notification_id"],
        message_sid=m["message_sid"],
        intent=None if m["intent"] is None else Intent(m["intent"]),
        confidence=m["confidence"],
        classifier=m["classifier"],
    )


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def get(self, subscription_id: UUID) -> Subscription | None:
        row = (await self._db.execute(select(S).where(S.c.id == subscription_id))).first()
        return None if row is None else _subscription(row)

    async def live_for(self, phone: str, program: str) -> Subscription | None:
        row = (await self._db.execute(_LIVE_FOR, {"phone": phone, "program": program})).first()
        return None if row is None else _subscription(row)

    async def latest_for(self, phone: str, program: str) -> Subscription | None:
        query = (
            select(S)
            .where(S.c.phone == phone, S.c.program == program)
            .order_by(S.c.created_at.desc(), S.c.id.desc())
            .limit(1)
        )
        row = (await self._db.execute(query)).first()
        return None if row is None else _subscription(row)

    async def add(self, subscription: Subscription) -> None:
        stmt = self._insert(S).values(_subscription_values(subscription))
        stmt = stmt.on_conflict_do_nothing(index_elements=["phone", "program"], index_where=LIVE)
        result = await self._db.execute(stmt)
        if not getattr(result, "rowcount", 0):
            raise Conflict(LIVE_TAKEN)

    async def update(self, subscription: Subscription) -> None:
        values = _subscription_values(subscription)
        values["subscription"] = values.pop("id")
        await self._db.execute(_UPDATE, values)

    async def list_after(
        self, user_id: UUID | None, after: UUID | None, limit: int
    ) -> list[Subscription]:
        query = select(S).order_by(S.c.id).limit(limit)
        if user_id is not None:
            query = query.where(S.c.user_id == user_id)
        if after is not None:
            query = query.where(S.c.id > after)
        return [_subscription(row) for row in await self._db.execute(query)]

    async def expired_pending(self, now: datetime, limit: int) -> list[Subscription]:
        query = (
            select(S)
            .where(S.c.status == Status.PENDING.value, S.c.expires_at <= now)
            .order_by(S.c.expires_at, S.c.id)
            .limit(limit)
        )
        return [_subscription(row) for row in await self._db.execute(query)]

    async def add_change(self, change: StateChange) -> None:
        await self._db.execute(
            _INSERT_CHANGE,
            {
                "subscription_id": change.subscription_id,
                "from_status": None if change.from_status is None else change.from_status.value,
                "to_status": change.to_status.value,
                "at": change.at,
                "reason": change.reason,
            },
        )

    async def changes(self, subscription_id: UUID) -> list[StateChange]:
        query = select(C).where(C.c.subscription_id == subscription_id).order_by(C.c.seq)
        return [
            StateChange(
                r.subscription_id,
                None if r.from_status is None else Status(r.from_status),
                Status(r.to_status),
                r.at,
                r.reason,
            )
            for r in await self._db.execute(query)
        ]

    async def add_messages(self, messages: Sequence[ConversationMessage]) -> None:
        if messages:
            await self._db.execute(_INSERT_MESSAGE, [_message_values(m) for m in messages])

    async def messages(self, subscription_id: UUID) -> list[ConversationMessage]:
        query = select(M).where(M.c.subscription_id == subscription_id).order_by(M.c.seq)
        return [_message(row) for row in await self._db.execute(query)]

    async def count_auto_replies(self, phone: str, since: datetime) -> int:
        values = {"phone": phone, "since": since}
        return int((await self._db.execute(_COUNT_AUTO_REPLIES, values)).scalar_one())


class SqlInboundMessages:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def record(self, message: InboundSms) -> bool:
        stmt = self._insert(I).values(
            message_sid=message.message_sid,
            from_phone=message.from_phone,
            to_phone=message.to_phone,
            body=message.body,
            received_at=message.received_at,
            processed_at=message.processed_at,
        )
        result = await self._db.execute(stmt.on_conflict_do_nothing(index_elements=["message_sid"]))
        await self._db.commit()
        return bool(getattr(result, "rowcount", 0))

    async def get(self, message_sid: str) -> InboundSms | None:
        row = (await self._db.execute(select(I).where(I.c.message_sid == message_sid))).first()
        if row is None:
            return None
        return InboundSms(
            row.message_sid,
            row.from_phone,
            row.to_phone,
            row.body,
            row.received_at,
            row.processed_at,
            row.requeues,
        )

    async def claim(self, message_sid: str, now: datetime) -> bool:
        # A concurrent claim waits for this row's lock, then finds it processed.
        result = await self._db.execute(_CLAIM, {"sid": message_sid, "now": now})
        return bool(getattr(result, "rowcount", 0))

    async def unprocessed(self, received_before: datetime, most: int, limit: int) -> list[str]:
        query = (
            select(I.c.message_sid)
            .where(
                I.c.processed_at.is_(None),
                I.c.received_at < received_before,
                I.c.requeues < most,
            )
            .order_by(I.c.received_at)
            .limit(limit)
        )
        sids = list((await self._db.execute(query)).scalars())
        if sids:
            await self._db.execute(
                update(I).where(I.c.message_sid.in_(sids)).values(requeues=I.c.requeues + 1)
            )
        return sids


class SqlOutboundTexts:
    """Notification rows in the request's session: committed with the use case's change."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add(self, items: Sequence[NewNotification]) -> None:
        if items:
            await add_notifications(self._db, items)
