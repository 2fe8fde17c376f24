"""The per-request session lookup of authentication, outside any transaction."""

from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.models import SessionRow, UserRow
from adapters.persistence.read_pool import ReadPool
from domain.accounts import Role, Session, User, Username

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
    """On PostgreSQL `reads` serves the lookup; on SQLite the engine."""

    def __init__(self, engine: AsyncEngine, reads: ReadPool | None) -> None:
        self._engine = engine
        self._reads = reads

    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        row: Any
        if self._reads is not None:
            rows = await self._reads.fetch(_SESSION_WITH_USER_PG, session_id)
            row = rows[0] if rows else None
        else:
            async with self._engine.connect() as conn:
                row = (await conn.execute(_SESSION_WITH_USER, {"session_id": session_id})).first()
        if row is None:
            return None
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
