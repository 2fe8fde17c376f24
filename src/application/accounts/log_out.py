from uuid import UUID

from application.ports.accounts import SessionRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager


class LogOut:
    """Revoke the session of the presented access token: its refresh token and every
    access token issued for it stop working at once. Logging out twice is harmless."""

    def __init__(self, sessions: SessionRepository, clock: Clock, tx: TransactionManager) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tx = tx

    async def __call__(self, session_id: UUID) -> None:
        session = await self._sessions.get(session_id)
        if session is not None and session.revoked_at is None:
            await self._sessions.update(session.revoke(self._clock.now()))
            await self._tx.commit()
