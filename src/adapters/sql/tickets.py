"""Tickets in SQL. On SQLite a number is taken with one upsert on the counter's row
(`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`; SQLite has one writer at a time); on
PostgreSQL from the sequence `ticket_numbers` (migration 0025), which holds no lock, so
tickets opened at once do not wait for each other's commits. A number taken by a
transaction that rolls back is not given again: numbers are unique and increasing, and
may skip."""

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.tables.tickets import TicketCounterRow, TicketEventRow, TicketRow
from domain.tickets import (
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketFilter,
    TicketStatus,
)

T = cast(Table, TicketRow.__table__)
E = cast(Table, TicketEventRow.__table__)
C = cast(Table, TicketCounterRow.__table__)
_ACTIVE = (TicketStatus.NEW.value, TicketStatus.OPEN.value, TicketStatus.PENDING.value)
# Built once, their values as parameters: see docs/architecture.md, "Layers".
_ADD = T.insert()
_ADD_EVENT = E.insert()


class SqlTicketRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def next_number(self) -> int:
        insert = self._insert(C).values(id=1, last=1)
        stmt = insert.on_conflict_do_update(
            index_elements=["id"], set_={"last": C.c.last + 1}
        ).returning(C.c.last)
        return int((await self._db.execute(stmt)).scalar_one())

    async def add(self, ticket: Ticket) -> None:
        await self._db.execute(_ADD, _values(ticket))

    async def update(self, ticket: Ticket, seen: datetime) -> bool:
        values = {
            "status": ticket.status.value,
            "priority": ticket.priority.value,
            "assignee": ticket.assignee,
            "updated_at": ticket.updated_at,
            "solved_at": ticket.solved_at,
        }
        stmt = update(T).where(T.c.id == ticket.id, T.c.updated_at == seen).values(**values)
        result = await self._db.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def get(self, number: int) -> Ticket | None:
        row = (await self._db.execute(select(T).where(T.c.number == number))).first()
        return None if row is None else _ticket(row)

    async def latest_active_of(self, requester_id: UUID) -> Ticket | None:
        query = (
            select(T)
            .where(T.c.requester_id == requester_id, T.c.status.in_(_ACTIVE))
            .order_by(T.c.number.desc())
            .limit(1)
        )
        row = (await self._db.execute(query)).first()
        return None if row is None else _ticket(row)

    async def find(self, where: TicketFilter, before: int | None, limit: int) -> list[Ticket]:
        query = select(T).order_by(T.c.number.desc()).limit(limit)
        if before is not None:
            query = query.where(T.c.number < before)
        if where.status is not None:
            query = query.where(T.c.status == where.status.value)
        if where.topic is not None:
            query = query.where(T.c.topic == where.topic)
        if where.assignee is not None:
            query = query.where(T.c.assignee == where.assignee)
        if where.priority is not None:
            query = query.where(T.c.priority == where.priority.value)
        if where.requester_id is not None:
            query = query.where(T.c.requester_id == where.requester_id)
        return [_ticket(row) for row in await self._db.execute(query)]

    async def solved_before(self, cutoff: datetime, limit: int) -> list[Ticket]:
        query = (
            select(T)
            .where(T.c.status == TicketStatus.SOLVED.value, T.c.solved_at < cutoff)
            .order_by(T.c.solved_at, T.c.number)
            .limit(limit)
        )
        return [_ticket(row) for row in await self._db.execute(query)]

    async def add_event(self, event: TicketEvent) -> None:
        await self._db.execute(
            _ADD_EVENT,
            {
                "id": event.id,
                "ticket_id": event.ticket_id,
                "kind": event.kind.value,
                "author": event.author,
                "body": event.body,
                "public": event.public,
                "old": event.old,
                "new": event.new,
                "created_at": event.created_at,
            },
        )

    async def events(self, ticket_id: UUID) -> list[TicketEvent]:
        query = select(E).where(E.c.ticket_id == ticket_id).order_by(E.c.id)
        return [
            TicketEvent(
                id=row.id,
                ticket_id=row.ticket_id,
                kind=EventKind(row.kind),
                author=row.author,
                created_at=row.created_at,
                body=row.body,
                public=row.public,
                old=row.old,
                new=row.new,
            )
            for row in await self._db.execute(query)
        ]


def _values(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "subject": ticket.subject,
        "body": ticket.body,
        "topic": ticket.topic,
        "priority": ticket.priority.value,
        "status": ticket.status.value,
        "requester_id": ticket.requester_id,
        "assignee": ticket.assignee,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "solved_at": ticket.solved_at,
    }


def _ticket(row: Row[Any]) -> Ticket:
    return Ticket(
        id=row.id,
        number=row.number,
        subject=row.subject,
        body=row.body,
        topic=row.topic,
        priority=Priority(row.priority),
        status=TicketStatus(row.status),
        requester_id=row.requester_id,
        assignee=row.assignee,
        created_at=row.created_at,
        updated_at=row.updated_at,
        solved_at=row.solved_at,
    )


_NEXT_NUMBER = select(func.nextval("ticket_numbers"))


class PostgresTicketRepository(SqlTicketRepository):
    async def next_number(self) -> int:
        return int((await self._db.execute(_NEXT_NUMBER)).scalar_one())
