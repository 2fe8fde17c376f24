"""The ticket repository on the fake, SQLite and PostgreSQL: the same answers. Its
requesters come from the recipients' repository on the same store."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.tickets import InMemoryTicketRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import SqlDialect, dialect_of
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.tickets import PostgresTicketRepository, SqlTicketRepository
from adapters.sql.transactions import SqlTransactionManager
from application.ports.recipients import RecipientRepository
from application.ports.tickets import TicketRepository
from application.ports.transactions import TransactionManager
from domain.ids import new_id
from domain.recipients import Contact, ExternalId, Recipient
from domain.tickets import (
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketFilter,
    TicketStatus,
    new_event_id,
)
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
S = TicketStatus


@dataclass
class Store:
    tickets: TicketRepository
    recipients: RecipientRepository
    tx: TransactionManager
    db: AsyncSession | None
    # The SQL session factory and dialect, for transactions of their own.
    sessions: tuple[async_sessionmaker[AsyncSession], SqlDialect] | None = None

    async def save(self) -> None:
        await self.tx.commit()
        if self.db is not None:
            self.db.expunge_all()


def _tickets(session: AsyncSession, dialect: SqlDialect) -> SqlTicketRepository:
    """As the container picks: PostgreSQL's numbers from a sequence."""
    if dialect.is_postgresql:
        return PostgresTicketRepository(session, dialect)
    return SqlTicketRepository(session, dialect)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = MemoryStore()
        recipients = InMemoryRecipientRepository(memory)
        yield Store(
            InMemoryTicketRepository(recipients, memory),
            recipients,
            InMemoryTransactionManager(memory),
            None,
        )
        return
    async with migrated_database(request, tmp_path) as (engine, _):
        factory = make_session_factory(engine)
        async with factory() as session:
            dialect = dialect_of(engine)
            yield Store(
                _tickets(session, dialect),
                SqlRecipientRepository(session, dialect),
                SqlTransactionManager(session),
                session,
                (factory, dialect),
            )


async def person(store: Store, external_id: str = "crm-1") -> Recipient:
    made = Recipient.new(new_id(), ExternalId(external_id), Contact(), NOW)
    await store.recipients.save(made)
    await store.save()
    return made


async def new_ticket(store: Store, requester: Recipient, **fields: object) -> Ticket:
    values: dict[str, object] = {
        "id": new_id(),
        "number": await store.tickets.next_number(),
        "subject": "Late order",
        "body": "Where is it?",
        "topic": "support",
        "priority": Priority.NORMAL,
        "status": S.NEW,
        "requester_id": requester.id,
        "assignee": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    ticket = Ticket(**(values | fields))  # type: ignore[arg-type]
    await store.tickets.add(ticket)
    await store.save()
    return ticket


async def test_numbers_count_up_from_one(store: Store) -> None:
    assert [await store.tickets.next_number() for _ in range(3)] == [1, 2, 3]
    await store.save()
    assert await store.tickets.next_number() == 4


async def test_a_rolled_back_number_may_be_given_again_or_skipped(store: Store) -> None:
    first = await store.tickets.next_number()
    await store.tx.rollback()
    again = await store.tickets.next_number()
    assert again >= first
    assert await store.tickets.next_number() > again


async def test_add_get_update(store: Store) -> None:
    lena = await person(store)
    ticket = await new_ticket(store, lena)
    assert await store.tickets.get(ticket.number) == ticket
    assert await store.tickets.get(ticket.number + 1) is None
    changed = replace(
        ticket,
        status=S.SOLVED,
        priority=Priority.URGENT,
        assignee="sam",
        updated_at=LATER,
        solved_at=LATER,
        subject="ignored: a subject never changes",
    )
    assert await store.tickets.update(changed, ticket.updated_at) is True
    await store.save()
    assert await store.tickets.get(ticket.number) == replace(changed, subject=ticket.subject)


async def test_an_update_of_a_ticket_changed_meanwhile_stores_nothing(store: Store) -> None:
    lena = await person(store)
    ticket = await new_ticket(store, lena)
    first = replace(ticket, status=S.OPEN, updated_at=LATER)
    assert await store.tickets.update(first, ticket.updated_at) is True
    await store.save()
    stale = replace(ticket, status=S.SOLVED, updated_at=LATER + timedelta(seconds=1))
    assert await store.tickets.update(stale, ticket.updated_at) is False  # read before `first`
    await store.save()
    assert await store.tickets.get(ticket.number) == first
    missing = replace(ticket, id=new_id(), number=99)
    assert await store.tickets.update(missing, ticket.updated_at) is False


async def test_find_filters_and_pages_newest_first(store: Store) -> None:
    lena, max_ = await person(store), await person(store, "crm-2")
    made = [
        await new_ticket(store, lena, topic="sales"),
        await new_ticket(store, max_, status=S.OPEN, assignee="sam"),
        await new_ticket(store, lena, priority=Priority.HIGH, assignee="sam"),
        await new_ticket(store, lena, topic="sales", status=S.OPEN),
    ]
    numbers = [t.number for t in made]
    everything = await store.tickets.find(TicketFilter(), None, 10)
    assert [t.number for t in everything] == numbers[::-1]
    assert await store.tickets.find(TicketFilter(), numbers[2], 1) == [made[1]]
    by = {
        "sales": TicketFilter(topic="sales"),
        "open": TicketFilter(status=S.OPEN),
        "sam": TicketFilter(assignee="sam"),
        "high": TicketFilter(priority=Priority.HIGH),
        "open sales": TicketFilter(status=S.OPEN, topic="sales"),
        "max's": TicketFilter(requester_id=max_.id),
    }
    found = {k: [t.number for t in await store.tickets.find(f, None, 10)] for k, f in by.items()}
    assert found == {
        "sales": [numbers[3], numbers[0]],
        "open": [numbers[3], numbers[1]],
        "sam": [numbers[2], numbers[1]],
        "high": [numbers[2]],
        "open sales": [numbers[3]],
        "max's": [numbers[1]],
    }


async def test_the_latest_active_ticket_of_a_requester(store: Store) -> None:
    lena, max_ = await person(store), await person(store, "crm-2")
    assert await store.tickets.latest_active_of(lena.id) is None
    pending = await new_ticket(store, lena, status=S.PENDING)
    await new_ticket(store, lena, status=S.SOLVED, solved_at=NOW)
    await new_ticket(store, max_)
    assert await store.tickets.latest_active_of(lena.id) == pending


async def test_solved_before_a_cutoff_oldest_first(store: Store) -> None:
    lena = await person(store)
    late = await new_ticket(store, lena, status=S.SOLVED, solved_at=NOW + timedelta(minutes=2))
    early = await new_ticket(store, lena, status=S.SOLVED, solved_at=NOW)
    await new_ticket(store, lena, status=S.SOLVED, solved_at=LATER)
    await new_ticket(store, lena, status=S.OPEN, solved_at=NOW)  # reopened
    assert await store.tickets.solved_before(LATER, 10) == [early, late]
    assert await store.tickets.solved_before(LATER, 1) == [early]


async def test_a_timeline_in_order(store: Store) -> None:
    lena = await person(store)
    ticket = await new_ticket(store, lena)
    other = await new_ticket(store, lena)
    entries = [
        TicketEvent(new_event_id(), ticket.id, EventKind.STATUS, None, NOW, new="new"),
        TicketEvent(new_event_id(), ticket.id, EventKind.COMMENT, None, NOW, "Hi\n", True),
        TicketEvent(new_event_id(), ticket.id, EventKind.COMMENT, "sam", LATER, "Check", False),
        TicketEvent(
            new_event_id(), ticket.id, EventKind.ASSIGNMENT, "ann", LATER, old=None, new="sam"
        ),
    ]
    for e in reversed(entries):
        await store.tickets.add_event(e)
    await store.tickets.add_event(
        TicketEvent(new_event_id(), other.id, EventKind.STATUS, None, NOW, new="new")
    )
    await store.save()
    assert await store.tickets.events(ticket.id) == entries


async def test_an_erased_requester_leaves_the_ticket_without_one(store: Store) -> None:
    lena = await person(store)
    ticket = await new_ticket(store, lena)
    await store.recipients.delete(lena.id)
    await store.save()
    found = await store.tickets.get(ticket.number)
    assert found == replace(ticket, requester_id=None)


async def test_two_transactions_at_once_never_share_a_number(store: Store) -> None:
    if store.sessions is None:
        pytest.skip("one process, one event loop: the fake has no concurrency to race")
    factory, dialect = store.sessions

    async def take() -> int:
        async with factory() as session:
            number = await _tickets(session, dialect).next_number()
            await session.commit()
            return number

    numbers = await asyncio.gather(*(take() for _ in range(5)))
    assert sorted(numbers) == [1, 2, 3, 4, 5]


async def test_a_number_is_taken_while_another_ticket_is_uncommitted(store: Store) -> None:
    if store.sessions is None:
        pytest.skip("one process, one event loop: the fake has no transaction to hold open")
    if not store.sessions[1].is_postgresql:
        pytest.skip("SQLite has one writer: the second transaction waits for the first")
    factory, dialect = store.sessions
    async with factory() as first, factory() as second:
        held = await _tickets(first, dialect).next_number()
        # With the counter row's lock this waited for `first` to commit.
        taken = await asyncio.wait_for(_tickets(second, dialect).next_number(), 5)
        await second.commit()
        await first.rollback()
    assert taken > held
