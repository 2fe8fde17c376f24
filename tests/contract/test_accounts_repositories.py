"""UserRepository, SessionRepository and SessionReader: the in-memory fake and SQL on
SQLite and PostgreSQL must behave alike."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.cachetools.accounts import CachingSessionReader, SessionCache
from adapters.memory.accounts import InMemorySessionRepository, InMemoryUserRepository
from adapters.sql.accounts import (
    PostgresSessionReader,
    SqlSessionReader,
    SqlSessionRepository,
    SqlUserRepository,
)
from adapters.sql.database import make_session_factory
from application.ports.accounts import SessionReader, SessionRepository, UserRepository
from domain.accounts import RefreshToken, Role, Session, Username
from domain.errors import Conflict
from domain.ids import new_id
from tests.conftest import migrated_database
from tests.support.accounts import new_user

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Repos:
    users: UserRepository
    sessions: SessionRepository
    reader: SessionReader
    db: AsyncSession | None

    async def save(self) -> None:
        """Commit, and start a fresh session so reads hit the database, not the identity map."""
        if self.db is not None:
            await self.db.commit()
            self.db.expunge_all()


@pytest.fixture(params=["memory", "sqlite", "postgres", "postgres-cached"])
async def repos(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repos]:
    if request.param == "memory":
        users = InMemoryUserRepository()
        sessions = InMemorySessionRepository(users)
        yield Repos(users, sessions, sessions, None)
        return
    # "postgres-cached": the reader as production wires it, behind a session cache that
    # the repository's writes evict.
    cache = SessionCache(60 if request.param == "postgres-cached" else 0)
    async with (
        migrated_database(request, tmp_path) as (engine, reads),
        make_session_factory(engine)() as session,
    ):
        yield Repos(
            SqlUserRepository(session),
            SqlSessionRepository(session, cache),
            CachingSessionReader(
                PostgresSessionReader(reads) if reads is not None else SqlSessionReader(engine),
                cache,
            ),
            session,
        )


async def test_user_round_trip(repos: Repos) -> None:
    user = new_user()
    await repos.users.add(user)
    await repos.save()
    assert await repos.users.get(user.id) == user
    assert await repos.users.get_by_username(Username("ANN")) == user
    assert await repos.users.get(new_id()) is None
    assert await repos.users.get_by_username(Username("bob")) is None


async def test_username_is_unique(repos: Repos) -> None:
    await repos.users.add(new_user())
    await repos.save()
    with pytest.raises(Conflict):
        await repos.users.add(new_user())


async def test_user_update_and_admin_lookup(repos: Repos) -> None:
    user = new_user()
    await repos.users.add(user)
    await repos.save()
    assert not await repos.users.any_admin()
    changed = replace(user, password_hash="new", role=Role.ADMIN, disabled=True)
    await repos.users.update(changed)
    await repos.save()
    assert await repos.users.get(user.id) == changed
    assert await repos.users.any_admin()


async def _session_with_token(repos: Repos, expires: datetime) -> tuple[Session, RefreshToken]:
    user = new_user()
    await repos.users.add(user)
    session = Session(new_id(), user.id, NOW, expires)
    await repos.sessions.add(session)
    token = RefreshToken(new_id(), session.id, "h" * 64, expires)
    await repos.sessions.add_token(token)
    await repos.save()
    return session, token


async def test_session_and_token_round_trip(repos: Repos) -> None:
    session, token = await _session_with_token(repos, NOW + timedelta(days=1))
    assert await repos.sessions.get(session.id) == session
    found = await repos.reader.get_with_user(session.id)
    assert found is not None
    assert found[0] == session
    assert found[1] == await repos.users.get(session.user_id)
    assert await repos.reader.get_with_user(new_id()) is None
    assert await repos.sessions.get_token_by_hash(token.token_hash) == token
    assert await repos.sessions.get_token_by_hash("x" * 64) is None
    revoked = session.revoke(NOW)
    await repos.sessions.update(revoked)
    await repos.save()
    assert await repos.sessions.get(session.id) == revoked
    assert await repos.reader.get_with_user(session.id) == (revoked, found[1])


async def test_a_token_is_marked_used_once(repos: Repos) -> None:
    _, token = await _session_with_token(repos, NOW + timedelta(days=1))
    assert await repos.sessions.mark_token_used(token.mark_used(NOW))
    assert not await repos.sessions.mark_token_used(token.mark_used(NOW))
    await repos.save()
    stored = await repos.sessions.get_token_by_hash(token.token_hash)
    assert stored is not None
    assert stored.used_at == NOW


async def test_purge_removes_only_expired_sessions(repos: Repos) -> None:
    old, old_token = await _session_with_token(repos, NOW - timedelta(seconds=1))
    user = new_user("bob")
    await repos.users.add(user)
    live = Session(new_id(), user.id, NOW, NOW + timedelta(days=1))
    await repos.sessions.add(live)
    await repos.save()
    assert await repos.sessions.purge_expired(NOW) == 1
    await repos.save()
    assert await repos.sessions.get(old.id) is None
    assert await repos.sessions.get_token_by_hash(old_token.token_hash) is None
    assert await repos.sessions.get(live.id) == live


async def test_revoke_all_ends_every_live_session_of_one_user(repos: Repos) -> None:
    first, _ = await _session_with_token(repos, NOW + timedelta(days=1))
    second = Session(new_id(), first.user_id, NOW, NOW + timedelta(days=1))
    await repos.sessions.add(second)
    bob = new_user("bob")
    await repos.users.add(bob)
    bobs = Session(new_id(), bob.id, NOW, NOW + timedelta(days=1))
    await repos.sessions.add(bobs)
    await repos.save()
    assert await repos.reader.get_with_user(first.id) is not None  # cached, if there is a cache
    later = NOW + timedelta(minutes=1)
    assert await repos.sessions.revoke_all(first.user_id, later) == 2
    assert await repos.sessions.revoke_all(first.user_id, later) == 0
    await repos.save()
    for session in (first, second):
        found = await repos.reader.get_with_user(session.id)
        assert found is not None
        assert found[0].revoked_at == later
    assert await repos.sessions.get(bobs.id) == bobs
