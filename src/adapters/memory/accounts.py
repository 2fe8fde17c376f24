"""In-memory accounts, and the login limits of one process: fakes for unit tests (held
to the same contract suites as the SQL and Redis adapters), and the embedded default's
limits."""

import math
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.memory.transactions import MemoryStore
from domain.accounts import Mfa, RefreshToken, Role, Session, User, Username
from domain.errors import Conflict


class InMemoryUserRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._by_id: dict[UUID, User] = (store or MemoryStore()).dict_table()
        self.rows = self._by_id  # read by the fakes of capabilities that join users

    async def add(self, user: User) -> None:
        if any(u.username == user.username for u in self._by_id.values()):
            raise Conflict(f"username '{user.username}' is taken")
        self._by_id[user.id] = user

    async def get(self, user_id: UUID) -> User | None:
        return self._by_id.get(user_id)

    async def get_by_username(self, username: Username) -> User | None:
        return next((u for u in self._by_id.values() if u.username == username), None)

    async def update(self, user: User) -> None:
        if user.id in self._by_id:
            self._by_id[user.id] = user

    async def any_admin(self) -> bool:
        return any(u.role is Role.ADMIN for u in self._by_id.values())

    async def search(
        self, q: str | None, role: Role | None, *, after: UUID | None, limit: int
    ) -> list[User]:
        found = sorted(
            (
                u
                for u in self._by_id.values()
                if (after is None or u.id > after)
                and (not q or u.username.value.startswith(q))
                and (role is None or u.role is role)
            ),
            key=lambda u: u.id,
        )
        return found[:limit]

    async def lock_active_admins(self) -> int:
        return sum(1 for u in self._by_id.values() if u.is_active_admin)


class InMemorySessionRepository:
    def __init__(self, users: InMemoryUserRepository, store: MemoryStore | None = None) -> None:
        self._users = users
        store = store or MemoryStore()
        self._sessions: dict[UUID, Session] = store.dict_table()
        self._tokens: dict[str, RefreshToken] = store.dict_table()

    async def add(self, session: Session) -> None:
        self._sessions[session.id] = session

    async def get(self, session_id: UUID) -> Session | None:
        return self._sessions.get(session_id)

    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        session = self._sessions.get(session_id)
        user = await self._users.get(session.user_id) if session else None
        return (session, user) if session and user else None

    async def update(self, session: Session) -> None:
        current = self._sessions.get(session.id)
        if current is not None:
            self._sessions[session.id] = replace(
                current, expires_at=session.expires_at, revoked_at=session.revoked_at
            )

    async def revoke_all(self, user_id: UUID, now: datetime, *, keep: UUID | None = None) -> int:
        live = [
            s
            for s in self._sessions.values()
            if s.user_id == user_id and not s.revoked_at and s.id != keep
        ]
        for session in live:
            self._sessions[session.id] = session.revoke(now)
        return len(live)

    async def add_token(self, token: RefreshToken) -> None:
        self._tokens[token.token_hash] = token

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        return self._tokens.get(token_hash)

    async def mark_token_used(self, token: RefreshToken) -> bool:
        current = self._tokens.get(token.token_hash)
        if current is None or current.used_at is not None:
            return False
        self._tokens[token.token_hash] = replace(current, used_at=token.used_at)
        return True

    async def purge_expired(self, now: datetime) -> int:
        expired = {sid for sid, s in self._sessions.items() if s.expires_at <= now}
        for sid in expired:
            del self._sessions[sid]
        for token_hash in [h for h, t in self._tokens.items() if t.session_id in expired]:
            del self._tokens[token_hash]
        return len(expired)


class InMemoryMfaRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._by_user: dict[UUID, Mfa] = (store or MemoryStore()).dict_table()

    async def get(self, user_id: UUID) -> Mfa | None:
        return self._by_user.get(user_id)

    async def save(self, mfa: Mfa) -> None:
        self._by_user[mfa.user_id] = mfa

    async def delete(self, user_id: UUID) -> bool:
        return self._by_user.pop(user_id, None) is not None

    async def use_step(self, user_id: UUID, step: int) -> bool:
        current = self._by_user.get(user_id)
        if current is None or not current.accepts_step(step):
            return False
        self._by_user[user_id] = replace(current, last_step=step)
        return True

    async def use_recovery_code(self, user_id: UUID, code_hash: str) -> bool:
        current = self._by_user.get(user_id)
        if current is None or code_hash not in current.recovery_hashes:
            return False
        self._by_user[user_id] = replace(
            current, recovery_hashes=current.recovery_hashes - {code_hash}
        )
        return True


class InMemoryRateLimiter:
    """Fixed-window counter per key, for one process (the embedded default and tests)."""

    def __init__(
        self, limit: int, window_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window_seconds
        self._monotonic = monotonic
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str) -> int | None:
        now = self._monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= self._window:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        if len(self._windows) > 100_000:  # bound memory under a flood of distinct keys
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self._window}
        if count > self._limit:
            return max(1, math.ceil(started + self._window - now))
        return None


class InMemoryLoginHistory:
    """LoginHistory for one process (the embedded default and tests), bounded in size."""

    def __init__(
        self,
        window_seconds: float,
        remember_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        max_entries: int = 100_000,
    ) -> None:
        self._window = window_seconds
        self._remember = remember_seconds
        self._monotonic = monotonic
        self._max = max_entries
        self._failures: dict[str, tuple[float, int]] = {}
        self._known: dict[tuple[str, str], float] = {}

    async def failures(self, account: str) -> tuple[int, int]:
        now = self._monotonic()
        started, count = self._failures.get(account, (now, 0))
        if now - started >= self._window:
            return 0, 0
        return count, max(1, round(started + self._window - now)) if count else 0

    async def add_failure(self, account: str) -> None:
        now = self._monotonic()
        started, count = self._failures.get(account, (now, 0))
        if now - started >= self._window:
            started, count = now, 0
        self._failures[account] = (started, count + 1)
        if len(self._failures) > self._max:
            self._failures = {k: v for k, v in self._failures.items() if now - v[0] < self._window}

    async def knows(self, account: str, client: str) -> bool:
        seen = self._known.get((account, client))
        return seen is not None and self._monotonic() - seen < self._remember

    async def add_success(self, account: str, client: str) -> None:
        now = self._monotonic()
        self._known[(account, client)] = now
        if len(self._known) > self._max:
            self._known = {k: v for k, v in self._known.items() if now - v < self._remember}
