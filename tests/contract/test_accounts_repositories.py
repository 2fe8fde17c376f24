"""UserRepository, SessionRepository, SessionReader and MfaRepository: the in-memory fake
and SQL on SQLite and PostgreSQL must behave alike."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.cachetools.accounts import CachingSessionReader, SessionCache
from adapters.memory.accounts import (
    InMemoryMfaRepository,
    InMemorySessionRepository,
    InMemoryUserRepository,
)
from adapters.sql.accounts import (
    PostgresSessionReader,
    SqlMfaRepository,
    SqlSessionReader,
    SqlSessionRepository,
    SqlUserRepository,
)
from adapters.sql.database import make_session_factory
from application.ports.accounts import (
    MfaRepository,
    SessionReader,
    SessionRepository,
    UserRepository,
)
from domain.accounts import Mfa, RefreshToken, Role, Session, Username, recovery_code_hash
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
    mfa: MfaRepository

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
        yield Repos(users, sessions, sessions, None, InMemoryMfaRepository())
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
            SqlMfaRepository(session),
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


async def test_users_are_searched_by_username_prefix_and_role_in_id_order(repos: Repos) -> None:
    ann, anna, bob = new_user("ann"), new_user("anna", Role.AGENT), new_user("bob", Role.ADMIN)
    odd = new_user("a_b")  # `_` is a LIKE wildcard, here a character
    for user in (ann, anna, bob, odd):
        await repos.users.add(user)
    await repos.save()
    search = repos.users.search
    by_id = sorted((ann, anna, bob, odd), key=lambda u: u.id)  # ids made in one ms: any order
    assert await search(None, None, after=None, limit=10) == by_id
    assert await search("ann", None, after=None, limit=10) == [u for u in by_id if u in (ann, anna)]
    assert await search("an", Role.AGENT, after=None, limit=10) == [anna]
    assert await search(None, None, after=by_id[1].id, limit=1) == [by_id[2]]
    assert await search("a_", None, after=None, limit=10) == [odd]
    assert await search("a%", None, after=None, limit=10) == []


async def test_enabled_admins_are_counted(repos: Repos) -> None:
    assert await repos.users.lock_active_admins() == 0
    first, second = new_user("root", Role.ADMIN), new_user("eve", Role.ADMIN)
    for user in (first, second, new_user("sam", Role.AGENT)):
        await repos.users.add(user)
    await repos.save()
    assert await repos.users.lock_active_admins() == 2
    await repos.users.update(replace(second, disabled=True))
    await repos.save()
    assert await repos.users.lock_active_admins() == 1


async def test_revoke_all_may_keep_one_session(repos: Repos) -> None:
    kept, _ = await _session_with_token(repos, NOW + timedelta(days=1))
    other = Session(new_id(), kept.user_id, NOW, NOW + timedelta(days=1))
    await repos.sessions.add(other)
    await repos.save()
    later = NOW + timedelta(minutes=1)
    assert await repos.sessions.revoke_all(kept.user_id, later, keep=kept.id) == 1
    await repos.save()
    assert await repos.sessions.get(kept.id) == kept
    ended = await repos.sessions.get(other.id)
    assert ended is not None
    assert ended.revoked_at == later


async def _enrolled(repos: Repos, name: str = "ann", *, confirmed: bool = False) -> Mfa:
    user = new_user(name)
    await repos.users.add(user)
    mfa = Mfa(user.id, "v1.sealed", NOW)
    if confirmed:
        hashes = frozenset(recovery_code_hash(c) for c in ("A" * 16, "B" * 16))
        mfa = replace(mfa, confirmed_at=NOW, last_step=100, recovery_hashes=hashes)
    await repos.mfa.save(mfa)
    await repos.save()
    return mfa


async def test_mfa_round_trip_from_pending_to_confirmed(repos: Repos) -> None:
    pending = await _enrolled(repos)
    assert await repos.mfa.get(pending.user_id) == pending
    assert await repos.mfa.get(new_id()) is None
    hashes = frozenset(recovery_code_hash(c) for c in ("C" * 16, "D" * 16, "E" * 16))
    confirmed = replace(
        pending, confirmed_at=NOW + timedelta(minutes=1), last_step=7, recovery_hashes=hashes
    )
    await repos.mfa.save(confirmed)
    await repos.save()
    assert await repos.mfa.get(pending.user_id) == confirmed
    # Enrolling again replaces the row and every recovery code.
    again = Mfa(pending.user_id, "v1.other", NOW + timedelta(hours=1))
    await repos.mfa.save(again)
    await repos.save()
    assert await repos.mfa.get(pending.user_id) == again


async def test_a_time_step_is_used_once_and_never_an_earlier_one(repos: Repos) -> None:
    mfa = await _enrolled(repos, confirmed=True)  # last step 100
    assert not await repos.mfa.use_step(mfa.user_id, 100)
    assert not await repos.mfa.use_step(mfa.user_id, 99)
    assert await repos.mfa.use_step(mfa.user_id, 101)
    assert not await repos.mfa.use_step(mfa.user_id, 101)
    assert not await repos.mfa.use_step(new_id(), 500)  # no such enrolment
    await repos.save()
    stored = await repos.mfa.get(mfa.user_id)
    assert stored is not None
    assert stored.last_step == 101
    pending = await _enrolled(repos, "bob")  # no step used yet
    assert await repos.mfa.use_step(pending.user_id, 1)
    await repos.save()
    assert (await repos.mfa.get(pending.user_id)) == replace(pending, last_step=1)


async def test_a_recovery_code_is_spent_once(repos: Repos) -> None:
    mfa = await _enrolled(repos, confirmed=True)
    other = await _enrolled(repos, "bob", confirmed=True)
    code = recovery_code_hash("A" * 16)
    assert await repos.mfa.use_recovery_code(mfa.user_id, code)
    assert not await repos.mfa.use_recovery_code(mfa.user_id, code)
    assert not await repos.mfa.use_recovery_code(mfa.user_id, recovery_code_hash("Z" * 16))
    await repos.save()
    stored = await repos.mfa.get(mfa.user_id)
    assert stored is not None
    assert stored.recovery_hashes == {recovery_code_hash("B" * 16)}
    assert await repos.mfa.get(other.user_id) == other  # bob's same code is bob's own


async def test_deleting_mfa_removes_its_recovery_codes(repos: Repos) -> None:
    mfa = await _enrolled(repos, confirmed=True)
    assert await repos.mfa.delete(mfa.user_id)
    assert not await repos.mfa.delete(mfa.user_id)
    await repos.save()
    assert await repos.mfa.get(mfa.user_id) is None
    assert not await repos.mfa.use_recovery_code(mfa.user_id, recovery_code_hash("A" * 16))
    # And enrolling afterwards starts from nothing.
    again = Mfa(mfa.user_id, "v1.new", NOW)
    await repos.mfa.save(again)
    await repos.save()
    assert await repos.mfa.get(mfa.user_id) == again


async def test_an_uncommitted_mfa_change_rolls_back(repos: Repos) -> None:
    if repos.db is None:
        pytest.skip("the bare fake has no unit of work (the use-case tests roll it back)")
    mfa = await _enrolled(repos, confirmed=True)
    assert await repos.mfa.use_step(mfa.user_id, 200)
    await repos.db.rollback()
    repos.db.expunge_all()
    assert await repos.mfa.get(mfa.user_id) == mfa


@pytest.fixture(params=["postgres"])
async def postgres_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    async with migrated_database(request, tmp_path) as (engine, _):
        yield engine


async def test_two_admins_demoting_each_other_cannot_both_win(postgres_engine: Any) -> None:
    """The count of enabled admins waits for a concurrent demotion's commit, then sees it."""
    sessions = make_session_factory(postgres_engine)
    root, eve = new_user("root", Role.ADMIN), new_user("eve", Role.ADMIN)
    async with sessions() as setup:
        users = SqlUserRepository(setup)
        await users.add(root)
        await users.add(eve)
        await setup.commit()
    async with sessions() as first, sessions() as second:
        assert await SqlUserRepository(first).lock_active_admins() == 2
        await SqlUserRepository(first).update(replace(eve, role=Role.USER))
        counting = asyncio.create_task(SqlUserRepository(second).lock_active_admins())
        await asyncio.sleep(0.3)
        assert not counting.done()  # it waits on the rows the first transaction locked
        await first.commit()
        assert await asyncio.wait_for(counting, 5) == 1  # and then sees eve demoted


async def test_two_requests_spending_one_code_cannot_both_win(postgres_engine: Any) -> None:
    """The conditional update waits for a concurrent one's commit, then finds the step used."""
    sessions = make_session_factory(postgres_engine)
    user = new_user()
    async with sessions() as setup:
        await SqlUserRepository(setup).add(user)
        await SqlMfaRepository(setup).save(Mfa(user.id, "v1.sealed", NOW, confirmed_at=NOW))
        await setup.commit()
    async with sessions() as first, sessions() as second:
        assert await SqlMfaRepository(first).use_step(user.id, 5)
        racing = asyncio.create_task(SqlMfaRepository(second).use_step(user.id, 5))
        await asyncio.sleep(0.3)
        assert not racing.done()  # it waits on the row the first transaction updated
        await first.commit()
        assert not await asyncio.wait_for(racing, 5)
