"""TransactionManager: the in-memory unit of work and SQL on SQLite and PostgreSQL agree.
What a rollback undoes is gone; what a commit kept stays, through later rollbacks. The
writes span several repositories, so a rollback is of the unit of work, not of one table.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.memory.accounts import InMemoryUserRepository
from adapters.memory.notifications import InMemoryProviderEventLog
from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.accounts import SqlUserRepository
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.notifications import SqlProviderEventLog
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.transactions import SqlTransactionManager
from application.ports.accounts import UserRepository
from application.ports.notifications import ProviderEventLog
from application.ports.preferences import ContactPreferenceRepository
from application.ports.transactions import TransactionManager
from application.preferences.contact_preferences import RecipientContactPreferences
from domain.accounts import User
from domain.preferences import ContactPreferences, EmailAddress, NotifyPref
from tests.conftest import migrated_database
from tests.support.accounts import new_user

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Work:
    """The repositories of one unit of work, and the unit of work itself."""

    users: UserRepository
    prefs: ContactPreferenceRepository
    events: ProviderEventLog
    tx: TransactionManager


Begin = Callable[[], AbstractAsyncContextManager[Work]]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def begin(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Begin]:
    """Opens a new unit of work on one database, as each request or task does."""
    if request.param == "memory":
        store = MemoryStore()
        users = InMemoryUserRepository(store)
        prefs = RecipientContactPreferences(InMemoryRecipientRepository(store), users)
        events = InMemoryProviderEventLog(store)

        @asynccontextmanager
        async def in_memory() -> AsyncIterator[Work]:
            tx = InMemoryTransactionManager(store)
            try:
                yield Work(users, prefs, events, tx)
            finally:
                await tx.rollback()  # as closing a session does

        yield in_memory
        return
    async with migrated_database(request, tmp_path) as (engine, _):
        factory, dialect = make_session_factory(engine), dialect_of(engine)

        @asynccontextmanager
        async def in_sql() -> AsyncIterator[Work]:
            async with factory() as session:
                users = SqlUserRepository(session)
                recipients = SqlRecipientRepository(session, dialect)
                yield Work(
                    users,
                    RecipientContactPreferences(recipients, users),
                    SqlProviderEventLog(session),
                    SqlTransactionManager(session),
                )

        yield in_sql


async def write(work: Work, name: str) -> User:
    """A user, their preferences and a provider event: three tables."""
    u = new_user(name)
    await work.users.add(u)
    await work.prefs.save(
        ContactPreferences(u.id, NotifyPref.EMAIL, EmailAddress(f"{name}@b.co"), None, NOW)
    )
    assert await work.events.first_time("twilio", f"event-{name}", NOW)
    return u


async def test_a_rollback_undoes_every_write_since_the_unit_began(begin: Begin) -> None:
    async with begin() as work:
        ann = await write(work, "ann")
        assert await work.users.get(ann.id) == ann  # the unit sees its own writes
        await work.tx.rollback()
        assert await work.users.get(ann.id) is None
        assert await work.prefs.get(ann.id) is None
        assert await work.events.first_time("twilio", "event-ann", NOW)
        await work.tx.rollback()
    async with begin() as later:
        assert await later.users.get(ann.id) is None


async def test_a_commit_keeps_its_writes_through_a_later_rollback(begin: Begin) -> None:
    async with begin() as work:
        ann = await write(work, "ann")
        await work.tx.commit()
        bob = await write(work, "bob")
        await work.tx.rollback()
        assert await work.users.get(ann.id) == ann
        assert await work.users.get(bob.id) is None
    async with begin() as later:
        assert await later.users.get(ann.id) == ann
        assert (await later.prefs.get(ann.id)) is not None
        assert await later.users.get(bob.id) is None
        assert await later.prefs.get(bob.id) is None
        assert not await later.events.first_time("twilio", "event-ann", NOW)
        assert await later.events.first_time("twilio", "event-bob", NOW)


async def test_what_was_not_committed_is_gone_when_the_unit_ends(begin: Begin) -> None:
    async with begin() as work:
        ann = await write(work, "ann")
    async with begin() as later:
        assert await later.users.get(ann.id) is None
        assert await later.prefs.get(ann.id) is None
