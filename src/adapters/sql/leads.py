"""Leads in SQL: the leads, the customer ids that name them, their conversations, and
Landbot's messages as received (stored by the webhook in a transaction of its own, with
`ON CONFLICT DO NOTHING`, so a redelivery stores nothing); the welcome emails written to
the notification engine's outbox in the unit of work."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Table, bindparam, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.notifications import add_notifications
from adapters.sql.tables.leads import (
    LandbotMessageRow,
    LeadCustomerRow,
    LeadMessageRow,
    LeadRow,
)
from adapters.sql.upserts import insert_on_conflict
from application.ports.leads import LeadMatch
from application.ports.notifications import NewNotification
from domain.errors import Conflict
from domain.leads import FieldValue, LandbotMessage, Lead, LeadMessage

L = cast(Table, LeadRow.__table__)
C = cast(Table, LeadCustomerRow.__table__)
M = cast(Table, LeadMessageRow.__table__)
I = cast(Table, LandbotMessageRow.__table__)  # noqa: E741
RECIPIENT_TAKEN = "this recipient is another lead's already"
# Built once, their values as parameters: see docs/architecture.md, "Layers".
_ADD = L.insert()
_NAMED = L.c.id == (
    select(C.c.lead_id).where(C.c.customer_id == bindparam("customer_id")).scalar_subquery()
)
_BY_EMAIL = L.c.email == bindparam("email")  # a None email or phone matches nothing
_BY_PHONE = L.c.phone == bindparam("phone")
_MATCH = (
    select(L, _NAMED.label("by_customer"))
    .where(or_(_NAMED, _BY_EMAIL, _BY_PHONE))
    .order_by(case((_NAMED, 0), (_BY_EMAIL, 1), else_=2), L.c.created_at, L.c.id)
    .limit(1)
)
_LINK = insert_on_conflict(C, ["customer_id", "lead_id", "linked_at"], ["customer_id"])
_ADD_MESSAGE = insert_on_conflict(
    M,
    [c.name for c in M.c if c.name != "seq"],  # seq: the database's serial
    ["key"],
)


def _substr_starts_with(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    # SQLite: substr, as its LIKE ignores case; no index serves it.
    return func.substr(column, 1, len(prefix)) == prefix


def _like_starts_with(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    # PostgreSQL: LIKE 'prefix%', its wildcards escaped, which the pattern indexes serve.
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


def _lead_values(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.id,
        "recipient_id": lead.recipient_id,
        "name": lead.name,
        "name_key": None if lead.name is None else lead.name.casefold(),
        "email": lead.email,
        "phone": lead.phone,
        "fields": dict(lead.fields),
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
        "seen_at": lead.seen_at,
        "welcome_notification_id": lead.welcome_notification_id,
    }


def _lead(row: Row[Any]) -> Lead:
    m = row._mapping
    fields: Mapping[str, FieldValue] = m["fields"]
    return Lead(
        m["id"],
        m["recipient_id"],
        m["name"],
        m["email"],
        m["phone"],
        dict(fields),
        m["created_at"],
        m["updated_at"],
        m["seen_at"],
        m["welcome_notification_id"],
    )


class SqlLeadRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._starts_with = _like_starts_with if dialect.is_postgresql else _substr_starts_with

    async def _one(self, condition: ColumnElement[bool]) -> Lead | None:
        query = select(L).where(condition).order_by(L.c.created_at, L.c.id).limit(1)
        row = (await self._db.execute(query)).first()
        return None if row is None else _lead(row)

    async def get(self, lead_id: UUID) -> Lead | None:
        return await self._one(L.c.id == lead_id)

    async def match(
        self, customer_id: str, email: str | None, phone: str | None
    ) -> LeadMatch | None:
        values = {"customer_id": customer_id, "email": email, "phone": phone}
        row = (await self._db.execute(_MATCH, values)).first()
        return None if row is None else LeadMatch(_lead(row), bool(row.by_customer))

    async def add(self, lead: Lead) -> None:
        try:
            await self._db.execute(_ADD, _lead_values(lead))
        except IntegrityError:
            raise Conflict(RECIPIENT_TAKEN) from None

    async def update(self, lead: Lead) -> None:
        values = _lead_values(lead)
        del values["id"], values["created_at"]
        await self._db.execute(update(L).where(L.c.id == lead.id).values(values))

    async def link(self, customer_id: str, lead_id: UUID, at: datetime) -> None:
        await self._db.execute(
            _LINK, {"customer_id": customer_id, "lead_id": lead_id, "linked_at": at}
        )

    async def customers(self, lead_id: UUID) -> list[str]:
        query = (
            select(C.c.customer_id)
            .where(C.c.lead_id == lead_id)
            .order_by(C.c.linked_at, C.c.customer_id)
        )
        return list((await self._db.scalars(query)).all())

    async def search(self, q: str | None, *, after: UUID | None, limit: int) -> list[Lead]:
        query = select(L).order_by(L.c.id).limit(limit)
        if after is not None:
            query = query.where(L.c.id > after)
        if q:
            query = query.where(
                or_(
                    self._starts_with(L.c.name_key, q.casefold()),
                    self._starts_with(L.c.email, q.lower()),
                    self._starts_with(L.c.phone, q),
                )
            )
        return [_lead(row) for row in await self._db.execute(query)]

    async def add_message(self, message: LeadMessage) -> bool:
        m = message
        values = dict(
            key=m.key,
            lead_id=m.lead_id,
            sender_type=m.sender_type,
            sender_name=m.sender_name,
            kind=m.kind,
            body=m.body,
            at=m.at,
            channel=m.channel,
            on_ticket=m.on_ticket,
            data=dict(m.data),
        )
        result = await self._db.execute(_ADD_MESSAGE, values)
        return bool(getattr(result, "rowcount", 0))

    async def messages(self, lead_id: UUID) -> list[LeadMessage]:
        query = select(M).where(M.c.lead_id == lead_id).order_by(M.c.at, M.c.seq)
        return [
            LeadMessage(
                r.lead_id,
                r.key,
                r.sender_type,
                r.sender_name,
                r.kind,
                r.body,
                r.at,
                channel=r.channel,
                on_ticket=r.on_ticket,
                data=r.data,
            )
            for r in await self._db.execute(query)
        ]


def _message_values(m: LandbotMessage) -> dict[str, Any]:
    return {
        "key": m.key,
        "customer_id": m.customer_id,
        "customer": dict(m.customer),
        "sender_type": m.sender_type,
        "sender_name": m.sender_name,
        "kind": m.kind,
        "body": m.body,
        "data": dict(m.data),
        "channel": dict(m.channel),
        "sent_at": m.sent_at,
        "received_at": m.received_at,
        "processed_at": m.processed_at,
    }


class SqlLandbotInbox:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def record(self, messages: Sequence[LandbotMessage]) -> list[str]:
        if not messages:
            return []
        keys = [m.key for m in messages]
        before = set((await self._db.scalars(select(I.c.key).where(I.c.key.in_(keys)))).all())
        fresh = [m for m in messages if m.key not in before]
        new: list[str] = []
        for m in fresh:  # one by one: each tells whether it was the first
            stmt = self._insert(I).values(_message_values(m))
            result = await self._db.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
            if getattr(result, "rowcount", 0):
                new.append(m.key)
        await self._db.commit()
        return new

    async def get(self, key: str) -> LandbotMessage | None:
        row = (await self._db.execute(select(I).where(I.c.key == key))).first()
        if row is None:
            return None
        r = row._mapping
        return LandbotMessage(
            r["key"],
            r["customer_id"],
            r["customer"],
            r["sender_type"],
            r["sender_name"],
            r["kind"],
            r["body"],
            r["data"],
            r["channel"],
            r["sent_at"],
            r["received_at"],
            r["processed_at"],
        )

    async def unprocessed(self, received_before: datetime, limit: int) -> list[str]:
        query = (
            select(I.c.key)
            .where(I.c.processed_at.is_(None), I.c.received_at < received_before)
            .order_by(I.c.received_at, I.c.key)
            .limit(limit)
        )
        return list((await self._db.scalars(query)).all())

    async def forget_processed(self, before: datetime, limit: int) -> int:
        oldest = (
            select(I.c.key)
            .where(I.c.processed_at.is_not(None), I.c.processed_at < before)
            .order_by(I.c.processed_at)
            .limit(limit)
        )
        result = await self._db.execute(delete(I).where(I.c.key.in_(oldest.scalar_subquery())))
        return int(getattr(result, "rowcount", 0))

    async def claim(self, key: str, now: datetime) -> bool:
        # A concurrent claim waits for this row's lock, then finds it processed.
        result = await self._db.execute(
            update(I).where(I.c.key == key, I.c.processed_at.is_(None)).values(processed_at=now)
        )
        return bool(getattr(result, "rowcount", 0))


class SqlWelcomeEmails:
    """Notification rows in the request's session: committed with the lead."""

    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def add(self, items: Sequence[NewNotification]) -> None:
        if items:
            await add_notifications(self._db, items)
