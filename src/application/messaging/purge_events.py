from application.messaging.config import MessagingConfig
from application.ports.clock import Clock
from application.ports.messaging import EventLog
from application.ports.transactions import TransactionManager

BATCH = 10_000  # a run's delete; the next run takes the rest


class PurgeEvents:
    """Housekeeping run by the scheduler: live events older than `events_kept` are
    deleted, up to BATCH a run. A stream reconnecting after longer than that replays
    only what is kept (the guide tells clients to reload their conversations then)."""

    def __init__(
        self, events: EventLog, clock: Clock, tx: TransactionManager, config: MessagingConfig
    ) -> None:
        self._events = events
        self._clock = clock
        self._tx = tx
        self._config = config

    async def __call__(self) -> int:
        purged = await self._events.purge(self._clock.now() - self._config.events_kept, BATCH)
        await self._tx.commit()
        return purged
