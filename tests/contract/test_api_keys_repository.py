"""ApiKeyRepository and ApiKeyReader: the in-memory fake and SQL on SQLite and
PostgreSQL behave alike."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.cachetools.api_keys import ApiKeyCache
from adapters.memory.api_keys import InMemoryApiKeyRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.accounts import SqlUserRepository
from adapters.sql.api_keys import SqlApiKeyReader, SqlApiKeyRepository
from adapters.sql.database import make_session_factory
from adapters.sql.transactions import SqlTransactionManager
from application.ports.api_keys import ApiKeyReader, ApiKeyRepository
from application.ports.transactions import TransactionManager
from domain.accounts import Role
from domain.api_keys import ApiKey, Scope, hash_secret, new_secret
from domain.ids import new_id
from tests.conftest import migrated_database
from tests.support.accounts import new_user

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ADMIN = new_user("boss", Role.ADMIN)


@dataclass
class Keys:
    keys: ApiKeyRepository
    reader: ApiKeyReader
    tx: TransactionManager
    db: AsyncSession | None

    async def save(self) -> None:
        await self.tx.commit()
        if self.db is not None:
            self.db.expunge_all()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Keys]:
    if request.param == "memory":
        memory = MemoryStore()
        table = InMemoryApiKeyRepository(memory)  # the fake serves both ports
        yield Keys(table, table, InMemoryTransactionManager(memory), None)
        return
    async with (
        migrated_database(request, tmp_path) as (engine, _),
        make_session_factory(engine)() as session,
    ):
        await SqlUserRepository(session).add(ADMIN)
        await session.commit()
        yield Keys(
            SqlApiKeyRepository(session, ApiKeyCache(0)),
            SqlApiKeyReader(engine),
            SqlTransactionManager(session),
            session,
        )


def key(name: str = "billing", *scopes: Scope) -> ApiKey:
    chosen = frozenset(scopes or {Scope.NOTIFICATIONS_WRITE, Scope.RECIPIENTS_READ})
    return ApiKey.make(new_id(), name, chosen, new_secret(), NOW, ADMIN.id)


async def test_a_key_is_stored_and_found_by_id_and_by_hash(store: Keys) -> None:
    made = key("billing", *Scope)
    await store.keys.add(made)
    await store.save()
    assert await store.keys.get(made.id) == made
    assert await store.reader.find(made.secret_hash) == made
    assert await store.keys.get(new_id()) is None
    assert await store.reader.find(hash_secret(new_secret())) is None


async def test_an_uncommitted_key_is_not_kept(store: Keys) -> None:
    made = key()
    await store.keys.add(made)
    await store.tx.rollback()
    assert await store.keys.get(made.id) is None


async def test_pages_by_id(store: Keys) -> None:
    made = sorted((key(f"k{i}") for i in range(5)), key=lambda k: k.id)
    for k in made:
        await store.keys.add(k)
    await store.save()
    assert await store.keys.page(None, 3) == made[:3]
    assert await store.keys.page(made[2].id, 3) == made[3:]
    assert await store.keys.page(made[4].id, 3) == []


async def test_revocation_and_use_are_stored(store: Keys) -> None:
    made = key()
    await store.keys.add(made)
    await store.save()
    used_at = NOW + timedelta(minutes=5)
    await store.reader.record_use(made, used_at)
    found = await store.reader.find(made.secret_hash)
    assert found == replace(made, last_used_at=used_at)
    revoked = found.revoke(NOW + timedelta(hours=1))
    await store.keys.revoke(revoked)
    await store.save()
    assert await store.keys.get(made.id) == revoked
    assert await store.reader.find(made.secret_hash) == revoked
