"""CachingSessionReader: found sessions are remembered for the TTL, revocations through
this process are forgotten at once, misses are never remembered."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.cachetools.accounts import CachingSessionReader, SessionCache
from adapters.memory.accounts import InMemorySessionRepository, InMemoryUserRepository
from domain.accounts import Session, User
from domain.ids import new_id
from tests.support.accounts import new_user

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class CountingReader:
    def __init__(self, inner: InMemorySessionRepository) -> None:
        self.inner = inner
        self.calls = 0

    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        self.calls += 1
        return await self.inner.get_with_user(session_id)


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _setup(
    ttl: float,
) -> tuple[CachingSessionReader, CountingReader, SessionCache, Ticker, Session]:
    users = InMemoryUserRepository()
    sessions = InMemorySessionRepository(users)
    user = new_user()
    await users.add(user)
    session = Session(new_id(), user.id, NOW, NOW + timedelta(days=1))
    await sessions.add(session)
    ticker = Ticker()
    cache = SessionCache(ttl, ticker)
    counting = CountingReader(sessions)
    return CachingSessionReader(counting, cache), counting, cache, ticker, session


async def test_a_found_session_is_read_once_per_ttl() -> None:
    reader, inner, _, ticker, session = await _setup(ttl=1.0)
    first = await reader.get_with_user(session.id)
    assert first is not None
    assert first[0] == session
    ticker.now = 0.9
    assert await reader.get_with_user(session.id) == first
    assert inner.calls == 1
    ticker.now = 1.1
    assert await reader.get_with_user(session.id) == first
    assert inner.calls == 2


async def test_a_revocation_in_this_process_is_seen_at_once() -> None:
    reader, inner, cache, _, session = await _setup(ttl=60.0)
    await reader.get_with_user(session.id)
    revoked = session.revoke(NOW)
    await inner.inner.update(revoked)
    cache.forget(session.id)  # what SqlSessionRepository.update does
    found = await reader.get_with_user(session.id)
    assert found is not None
    assert found[0].revoked_at == NOW
    assert inner.calls == 2


async def test_misses_are_not_remembered() -> None:
    reader, inner, _, _, _ = await _setup(ttl=60.0)
    missing = new_id()
    assert await reader.get_with_user(missing) is None
    assert await reader.get_with_user(missing) is None
    assert inner.calls == 2


async def test_a_zero_ttl_turns_the_cache_off() -> None:
    reader, inner, _, _, session = await _setup(ttl=0)
    await reader.get_with_user(session.id)
    await reader.get_with_user(session.id)
    assert inner.calls == 2
