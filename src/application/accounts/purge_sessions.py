from application.ports.accounts import SessionRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager


class PurgeExpiredSessions:
    """Housekeeping run by the scheduler: delete sessions past their expiry, with their tokens."""

    def __init__(self, sessions: SessionRepository, clock: Clock, tx: TransactionManager) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tx = tx

    async def __call__(self) -> int:
        purged = await self._sessions.purge_expired(self._clock.now())
        await self._tx.commit()
        return purged
