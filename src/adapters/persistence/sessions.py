from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.session_cache import SessionCache
from adapters.persistence.models import RefreshTokenRow, SessionRow
from domain.accounts import RefreshToken, Session


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

    async def revoke_all(self, user_id: UUID, now: datetime) -> int:
        result = await self._db.execute(
            update(SessionRow)
            .where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(SessionRow.id)
        )
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


def _session(row: SessionRow) -> Session:
    return Session(row.id, row.user_id, row.created_at, row.expires_at, row.revoked_at)
