"""RecipientUpserts, what PUT and bulk store with: the unit of work's (the fakes, SQLite)
and PostgreSQL's direct statements agree. A save is committed when it returns, stays
after the request's unit of work rolls back, and on Conflict stores nothing."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.accounts import SqlUserRepository
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.recipients_postgres import PostgresRecipientUpserts
from adapters.sql.transactions import SqlTransactionManager
from application.ports.recipients import RecipientRepository, RecipientUpserts
from application.ports.transactions import TransactionManager
from application.recipients.upserts import UnitOfWorkUpserts
from domain.errors import Conflict
from domain.recipients import Contact, ExternalId, Recipient
from tests.conftest import migrated_database
from tests.contract.test_recipients_repository import FULL, NOW, person
from tests.support.accounts import new_user


@dataclass
class Upserts:
    upserts: RecipientUpserts
    user_id: UUID
    tx: TransactionManager  # the request's unit of work
    engine: AsyncEngine | None  # None: in memory
    memory: RecipientRepository | None = None

    async def stored(self, external_id: str) -> Recipient | None:
        """What a later request finds, once this one's unit of work has rolled back."""
        await self.tx.rollback()
        if self.memory is not None:
            return await self.memory.get(ExternalId(external_id))
        assert self.engine is not None
        async with make_session_factory(self.engine)() as session:
            repository = SqlRecipientRepository(session, dialect_of(self.engine))
            return await repository.get(ExternalId(external_id))


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Upserts]:
    ann = new_user("ann")
    if request.param == "memory":
        memory = MemoryStore()
        recipients = InMemoryRecipientRepository(memory)
        unit = InMemoryTransactionManager(memory)
        yield Upserts(UnitOfWorkUpserts(recipients, unit), ann.id, unit, None, recipients)
        return
    async with (
        migrated_database(request, tmp_path) as (engine, pool),
        make_session_factory(engine)() as session,
    ):
        await SqlUserRepository(session).add(ann)
        await session.commit()
        tx = SqlTransactionManager(session)
        if pool is not None:
            upserts: RecipientUpserts = PostgresRecipientUpserts(pool)
        else:
            upserts = UnitOfWorkUpserts(SqlRecipientRepository(session, dialect_of(engine)), tx)
        yield Upserts(upserts, ann.id, tx, engine)


async def test_a_save_is_committed(store: Upserts) -> None:
    ann = person("crm-1", FULL, user_id=store.user_id)
    await store.upserts.save(ann)
    assert await store.stored("crm-1") == ann
    assert await store.upserts.get(ExternalId("crm-1")) == ann
    assert await store.upserts.get(ExternalId("crm-2")) is None


async def test_a_save_replaces_by_id_and_keeps_created_at(store: Upserts) -> None:
    ann = replace(person("crm-1", FULL), phone_verified=True)
    await store.upserts.save(ann)
    later = NOW + timedelta(hours=1)
    changed = replace(ann.change(Contact(name="Ann"), later), created_at=later)
    await store.upserts.save(changed)
    assert await store.stored("crm-1") == replace(changed, created_at=NOW)


async def test_a_taken_external_id_or_user_is_a_conflict_and_stores_nothing(
    store: Upserts,
) -> None:
    await store.upserts.save(person("crm-1", user_id=store.user_id))
    with pytest.raises(Conflict):
        await store.upserts.save(person("crm-1", FULL))
    with pytest.raises(Conflict):
        await store.upserts.save(person("crm-2", user_id=store.user_id))
    await store.upserts.save(person("crm-3"))  # a conflict leaves the next save working
    assert await store.stored("crm-2") is None
    first = await store.stored("crm-1")
    assert first is not None
    assert (first.contact, first.user_id) == (Contact(), store.user_id)
    assert await store.stored("crm-3") is not None


async def test_save_many_stores_all_or_none(store: Upserts) -> None:
    many = [person(f"bulk-{i}", FULL if i % 2 else Contact()) for i in range(1000)]
    await store.upserts.save_many(many)
    renamed = replace(many[1], contact=Contact(name="Two"), updated_at=NOW + timedelta(1))
    last = person("bulk-1000")
    await store.upserts.save_many([renamed, last])
    with pytest.raises(Conflict):  # one taken external id fails the batch
        await store.upserts.save_many([person("bulk-1001"), person("bulk-0")])
    await store.upserts.save_many([])
    assert await store.stored("bulk-1001") is None
    wanted = [ExternalId(f"bulk-{i}") for i in range(1002)]
    found = await store.upserts.get_many(wanted)
    assert found == {r.external_id: r for r in [many[0], renamed, *many[2:], last]}
    assert await store.upserts.get_many([]) == {}
