"""Accounts in SQL: users, sessions and two-factor enrolments in the request's
transaction, and the per-request session lookup of authentication, outside any
transaction."""

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.exceptions import IntegrityError
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import bindparam, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.cachetools.accounts import SessionCache
from adapters.sql.direct_pool import DirectPool
from adapters.sql.tables.accounts import (
    MfaRecoveryCodeRow,
    MfaRow,
    RefreshTokenRow,
    SessionRow,
    UserRow,
)
from domain.accounts import Mfa, RefreshToken, Role, Session, User, Username
from domain.errors import Conflict


class _UserRows(SQLAlchemyAsyncRepository[UserRow]):
    model_type = UserRow


def user_from_row(row: UserRow) -> User:
    return User(
        id=row.id,
        username=Username(row.username),
        password_hash=row.password_hash,
        role=Role(row.role),
        created_at=row.created_at,
        disabled=row.disabled,
    )


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._repository: _UserRows | None = None

    @property
    def _rows(self) -> _UserRows:
        # Made on first use: it costs 60 µs, and most requests that are handed this
        # repository (sending to a recipient, say) never touch it.
        if self._repository is None:
            self._repository = _UserRows(
                session=self._session, auto_commit=False, auto_refresh=False
            )
        return self._repository

    async def add(self, user: User) -> None:
        row = UserRow(
            id=user.id,
            username=user.username.value,
            password_hash=user.password_hash,
            role=user.role.value,
            disabled=user.disabled,
            created_at=user.created_at,
        )
        try:
            await self._rows.add(row)
        except IntegrityError as exc:
            raise Conflict(f"username '{user.username}' is taken") from exc

    async def get(self, user_id: UUID) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return user_from_row(row) if row else None

    async def get_by_username(self, username: Username) -> User | None:
        row = await self._rows.get_one_or_none(username=username.value)
        return user_from_row(row) if row else None

    async def update(self, user: User) -> None:
        row = await self._session.get(UserRow, user.id)
        if row is None:
            return
        row.password_hash = user.password_hash
        row.role = user.role.value
        row.disabled = user.disabled
        await self._session.flush()

    async def any_admin(self) -> bool:
        query = select(exists().where(UserRow.role == Role.ADMIN.value))
        return bool(await self._session.scalar(query))

    async def search(
        self, q: str | None, role: Role | None, *, after: UUID | None, limit: int
    ) -> list[User]:
        query = select(UserRow).order_by(UserRow.id).limit(limit)
        if after is not None:
            query = query.where(UserRow.id > after)
        if q:
            query = query.where(UserRow.username.startswith(q, autoescape=True))
        if role is not None:
            query = query.where(UserRow.role == role.value)
        return [user_from_row(row) for row in await self._session.scalars(query)]

    async def lock_active_admins(self) -> int:
        query = (
            select(UserRow.id)
            .where(UserRow.role == Role.ADMIN.value, UserRow.disabled.is_(False))
            .with_for_update()  # SQLite has no row locks: its writers take turns anyway
        )
        return len(list(await self._session.scalars(query)))


class SqlSessionRepository:
    def __init__(self, session: AsyncSession, cache: SessionCache) -> None:
        self._db = session
        self._cache = cache

    async def add(self, session: Session) -> None:
        self._db.add(
            SessionRow(
                id=session.id,
                user_id=session.user_id,
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            )
        )
        await self._db.flush()

    async def get(self, session_id: UUID) -> Session | None:
        row = await self._db.get(SessionRow, session_id)
        return _session(row) if row else None

    async def update(self, session: Session) -> None:
        self._cache.forget(session.id)  # a revocation holds in this process at once
        await self._db.execute(
            update(SessionRow)
            .where(SessionRow.id == session.id)
            .values(expires_at=session.expires_at, revoked_at=session.revoked_at)
        )

    async def revoke_all(self, user_id: UUID, now: datetime, *, keep: UUID | None = None) -> int:
        query = update(SessionRow).where(
            SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None)
        )
        if keep is not None:
            query = query.where(SessionRow.id != keep)
        result = await self._db.execute(query.values(revoked_at=now).returning(SessionRow.id))
        revoked = list(result.scalars())
        for session_id in revoked:
            self._cache.forget(session_id)
        return len(revoked)

    async def add_token(self, token: RefreshToken) -> None:
        self._db.add(
            RefreshTokenRow(
                id=token.id,
                session_id=token.session_id,
                token_hash=token.token_hash,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )
        await self._db.flush()

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = await self._db.scalar(
            select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
        )
        if row is None:
            return None
        return RefreshToken(row.id, row.session_id, row.token_hash, row.expires_at, row.used_at)

    async def mark_token_used(self, token: RefreshToken) -> bool:
        # A conditional update is the race guard: of two concurrent refreshes with one
        # token, only one sees used_at still empty.
        result = await self._db.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.id == token.id, RefreshTokenRow.used_at.is_(None))
            .values(used_at=token.used_at)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def purge_expired(self, now: datetime) -> int:
        expired = select(SessionRow.id).where(SessionRow.expires_at <= now)
        await self._db.execute(
            delete(RefreshTokenRow).where(RefreshTokenRow.session_id.in_(expired))
        )
        result = await self._db.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlMfaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._db = session

    async def get(self, user_id: UUID) -> Mfa | None:
        row = await self._db.get(MfaRow, user_id)
        if row is None:
            return None
        hashes = await self._db.scalars(
            select(MfaRecoveryCodeRow.code_hash).where(MfaRecoveryCodeRow.user_id == user_id)
        )
        return Mfa(
            user_id=row.user_id,
            sealed_secret=row.secret,
            created_at=row.created_at,
            confirmed_at=row.confirmed_at,
            last_step=row.last_step,
            recovery_hashes=frozenset(hashes),
        )

    async def save(self, mfa: Mfa) -> None:
        row = await self._db.get(MfaRow, mfa.user_id)
        if row is None:
            self._db.add(
                MfaRow(
                    user_id=mfa.user_id,
                    secret=mfa.sealed_secret,
                    created_at=mfa.created_at,
                    confirmed_at=mfa.confirmed_at,
                    last_step=mfa.last_step,
                )
            )
        else:
            row.secret = mfa.sealed_secret
            row.created_at = mfa.created_at
            row.confirmed_at = mfa.confirmed_at
            row.last_step = mfa.last_step
        await self._db.flush()
        await self._db.execute(
            delete(MfaRecoveryCodeRow).where(MfaRecoveryCodeRow.user_id == mfa.user_id)
        )
        self._db.add_all(
            MfaRecoveryCodeRow(user_id=mfa.user_id, code_hash=code_hash)
            for code_hash in sorted(mfa.recovery_hashes)
        )
        await self._db.flush()

    async def delete(self, user_id: UUID) -> bool:
        await self._db.execute(
            delete(MfaRecoveryCodeRow).where(MfaRecoveryCodeRow.user_id == user_id)
        )
        result = await self._db.execute(delete(MfaRow).where(MfaRow.user_id == user_id))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def use_step(self, user_id: UUID, step: int) -> bool:
        # A conditional update is the race guard: of two requests with one code, only
        # one finds the step still ahead of the stored one.
        result = await self._db.execute(
            update(MfaRow)
            .where(
                MfaRow.user_id == user_id,
                or_(MfaRow.last_step.is_(None), MfaRow.last_step < step),
            )
            .values(last_step=step)
            .execution_options(synchronize_session="fetch")
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def use_recovery_code(self, user_id: UUID, code_hash: str) -> bool:
        result = await self._db.execute(
            delete(MfaRecoveryCodeRow).where(
                MfaRecoveryCodeRow.user_id == user_id, MfaRecoveryCodeRow.code_hash == code_hash
            )
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _session(row: SessionRow) -> Session:
    return Session(row.id, row.user_id, row.created_at, row.expires_at, row.revoked_at)


_COLUMNS = (
    SessionRow.id,
    SessionRow.user_id,
    SessionRow.created_at,
    SessionRow.expires_at,
    SessionRow.revoked_at,
    UserRow.username,
    UserRow.password_hash,
    UserRow.role,
    UserRow.disabled,
    UserRow.created_at,
)
_SESSION_WITH_USER = (
    select(*_COLUMNS)
    .join(UserRow, UserRow.id == SessionRow.user_id)
    .where(SessionRow.id == bindparam("session_id"))
)
# The same query as plain SQL for asyncpg, which prepares and caches it per connection.
_SESSION_WITH_USER_PG = (
    "SELECT s.id, s.user_id, s.created_at, s.expires_at, s.revoked_at, "
    "u.username, u.password_hash, u.role, u.disabled, u.created_at "
    "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1"
)


class SqlSessionReader:
    """The lookup through the engine (SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(_SESSION_WITH_USER, {"session_id": session_id})).first()
        return None if row is None else _session_with_user(row)


class PostgresSessionReader:
    """The lookup on PostgreSQL, one round trip on the direct pool."""

    def __init__(self, reads: DirectPool) -> None:
        self._reads = reads

    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        rows = await self._reads.fetch(_SESSION_WITH_USER_PG, session_id)
        return _session_with_user(rows[0]) if rows else None


def _session_with_user(row: Any) -> tuple[Session, User]:
    session = Session(row[0], row[1], row[2], row[3], row[4])
    user = User(
        id=row[1],
        username=Username(row[5]),
        password_hash=row[6],
        role=Role(row[7]),
        created_at=row[9],
        disabled=row[8],
    )
    return session, user
