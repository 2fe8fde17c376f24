from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.sessions import RefreshToken, Session
from domain.users import User


class SessionReader(Protocol):
    async def get_with_user(self, session_id: UUID) -> tuple[Session, User] | None:
        """The committed session and its user in one lookup, outside any transaction:
        every authenticated request needs both."""
        ...


class SessionRepository(Protocol):
    """Sessions and refresh tokens, in the request's transaction."""

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: UUID) -> Session | None: ...

    async def update(self, session: Session) -> None: ...

    async def add_token(self, token: RefreshToken) -> None: ...

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def revoke_all(self, user_id: UUID, now: datetime) -> int:
        """Revoke every live session of the user; returns how many."""
        ...

    async def mark_token_used(self, token: RefreshToken) -> bool:
        """Record the token as used unless it already was; False means another caller won."""
        ...

    async def purge_expired(self, now: datetime) -> int:
        """Delete sessions (and their tokens) that expired; returns how many."""
        ...
