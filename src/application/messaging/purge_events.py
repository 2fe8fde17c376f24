from application.messaging.config import MessagingConfig
from application.ports.clock import Clock
from application.ports.messaging import EventLog
from application.ports.transactions import TransactionManager

BATCH = 10_000  # events deleted per transaction


class PurgeEvents:
    """Housekeeping run by the scheduler: live events older than `events_kept` are
    deleted, BATCH a transaction until none is left (an hour of a busy service's events
    is far more than one batch). A stream reconnecting after longer than that replays
    only what is kept (the guide tells clients to reload their conversations then).
    Returns how many were deleted."""

    def __init__(
        self, events: EventLog, clock: Clock, tx: TransactionManager, config: MessagingConfig
    ) -> None:
        self._events = events
        self._clock = clock
        self._tx = tx
        self._config = config

    async def __call__(self) -> int:
        before = self._clock.now() - self._config.events_kept
        purged = 0
        while True:
            batch = await self._events.purge(before, BATCH)
            await self._tx.commit()
            purged += batch
            if batch < BATCH:
                return purged
