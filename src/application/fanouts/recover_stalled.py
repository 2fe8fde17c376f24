from application.fanouts.config import FanoutConfig
from application.ports.clock import Clock
from application.ports.fanouts import FanoutQueue, FanoutRepository
from application.ports.transactions import TransactionManager

SWEEP_LIMIT = 100  # parts re-queued per sweep


class RecoverStalledFanouts:
    """The recovery sweep of expansions: a part whose lease ran out (its worker died, its
    queue message was lost) is leased again and re-queued; it resumes from its cursor.
    Returns how many parts it re-queued."""

    def __init__(
        self,
        fanouts: FanoutRepository,
        queue: FanoutQueue,
        clock: Clock,
        tx: TransactionManager,
        config: FanoutConfig,
    ) -> None:
        self._fanouts = fanouts
        self._queue = queue
        self._clock = clock
        self._tx = tx
        self._config = config

    async def __call__(self) -> int:
        now = self._clock.now()
        stalled = await self._fanouts.stalled(now, now + self._config.lease, SWEEP_LIMIT)
        await self._tx.commit()
        for fanout_id, part in stalled:
            await self._queue.expand(fanout_id, part)
        return len(stalled)
