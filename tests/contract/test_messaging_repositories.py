"""Messaging's repositories on the fake, SQLite and PostgreSQL: the same answers. Users
come from the accounts' repository on the same store."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.accounts import InMemoryUserRepository
from adapters.memory.messaging import InMemoryMessageRepository, InMemoryMessaging, InMemoryProfiles
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.accounts import SqlUserRepository
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.messaging import (
    SqlConversationRepository,
    SqlMessageRepository,
    SqlProfileRepository,
    SqlUserDirectory,
)
from adapters.sql.transactions import SqlTransactionManager
from application.ports.accounts import UserRepository
from application.ports.messaging import (
    ConversationRepository,
    MessageRepository,
    ProfileRepository,
    UserDirectory,
)
from application.ports.transactions import TransactionManager
from domain.accounts import Role, User, Username
from domain.ids import new_id
from domain.messaging import (
    Profile,
)
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


@dataclass
class Store:
    users: UserRepository
    directory: UserDirectory
    profiles: ProfileRepository
    conversations: ConversationRepository
    messages: MessageRepository
    tx: TransactionManager
    db: AsyncSession | None

    async def save(self) -> None:
        await self.tx.commit()
        if self.db is not None:
            self.db.expunge_all()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = MemoryStore()
        users = InMemoryUserRepository(memory)
        profiles = InMemoryProfiles(users, memory)
        messaging = InMemoryMessaging(users, memory)
        yield Store(
            users,
            profiles,
            profiles,
            messaging,
            InMemoryMessageRepository(messaging),
            InMemoryTransactionManager(memory),
            None,
        )
        return
    async with (
        migrated_database(request, tmp_path) as (engine, _),
        make_session_factory(engine)() as session,
    ):
        dialect = dialect_of(engine)
        yield Store(
            SqlUserRepository(session),
            SqlUserDirectory(session),
            SqlProfileRepository(session, dialect),
            SqlConversationRepository(session, dialect),
            SqlMessageRepository(session, dialect),
            SqlTransactionManager(session),
            session,
        )


async def users(store: Store, *names: str, disabled: str = "") -> list[User]:
    made = []
    for i, name in enumerate(names):
        user = User(
            new_id(),
            Username(name),
            "hash",
            Role.USER,
            NOW + timedelta(seconds=i),
            name == disabled,
        )
        await store.users.add(user)
        made.append(user)
    await store.save()
    return made


async def test_directory_finds_and_searches_enabled_users(store: Store) -> None:
    ann, *_ = await users(store, "ann", "anna", "an_x", "bob", "anx", disabled="anx")
    await store.profiles.save(Profile(ann.id, "Ann", "O'Neil"), NOW)
    await store.save()
    found = await store.directory.find("ann")
    assert found is not None
    assert (found.user_id, found.first_name, found.last_name) == (ann.id, "Ann", "O'Neil")
    assert found.created_at == NOW
    assert await store.directory.find("anx") is None
    assert await store.directory.find("nobody") is None
    assert set(await store.directory.find_many(["ann", "bob", "anx", "zed"])) == {"ann", "bob"}
    assert [e.username for e in await store.directory.search("", None, 10)] == [
        "an_x",
        "ann",
        "anna",
        "bob",
    ]
    assert [e.username for e in await store.directory.search("an", "an_x", 10)] == ["ann", "anna"]
    assert [e.username for e in await store.directory.search("an_", None, 10)] == ["an_x"]
    assert [e.username for e in await store.directory.search("a", None, 1)] == ["an_x"]


async def test_profiles_are_replaced_whole(store: Store) -> None:
    (ann,) = await users(store, "ann")
    assert await store.profiles.get(ann.id) is None
    await store.profiles.save(Profile(ann.id, "Ann", None), NOW)
    await store.save()
    await store.profiles.save(Profile(ann.id, None, "Lee"), NOW)
    await store.save()
    assert await store.profiles.get(ann.id) == Profile(ann.id, None, "Lee")
