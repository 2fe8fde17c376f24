import asyncio
from dataclasses import dataclass
from datetime import datetime

from application.notifications.config import DeliveryConfig
from application.notifications.pending import PendingSends
from application.ports.clock import Clock
from application.ports.notifications import DeliveryRepository, DispatchMetrics, SendQueue
from application.ports.transactions import TransactionManager


@dataclass(frozen=True, slots=True)
class DispatchResult:
    dispatched: int
    more_due: bool  # a full batch was claimed: run again at once
    wake_at: datetime | None  # when the next round is needed (None: only on a wake-up)


class DispatchDueNotifications:
    """One round of the scheduler: hand every due notification to the workers.

    Rules: the database is read only for work due within the look-ahead window: those
    rows are claimed (-> queued, leased past the window) and committed BEFORE anything is
    enqueued, then wait in memory (PendingSends) and are enqueued in batches the moment
    they fall due, so a due send costs one broker write, not a database round trip. A
    crash loses only memory: the leased rows are re-run by the recovery sweep, never
    orphaned, never lost. A refill happens when asked (new work was announced), when
    the window runs short, or at once while a full batch keeps coming back. Reports when
    the next round is needed, so the caller sleeps exactly until then. Each round
    reports how late its hand-off was: how long the earliest notification it handed over
    had been due (0 when none was).
    """

    def __init__(
        self,
        deliveries: DeliveryRepository,
        queue: SendQueue,
        pending: PendingSends,
        config: DeliveryConfig,
        clock: Clock,
        tx: TransactionManager,
        metrics: DispatchMetrics,
    ) -> None:
        self._deliveries = deliveries
        self._queue = queue
        self._pending = pending
        self._config = config
        self._clock = clock
        self._tx = tx
        self._metrics = metrics

    async def __call__(self, *, refill: bool = False) -> DispatchResult:
        now = self._clock.now()
        more_due = False
        if refill or self._pending.refill_at is None or now >= self._pending.refill_at:
            more_due = await self._refill(now)
        earliest = self._pending.next_due()
        ids = self._pending.pop_due(now)
        size = self._config.message_batch
        await asyncio.gather(
            *(self._queue.enqueue(ids[i : i + size]) for i in range(0, len(ids), size))
        )
        late = (self._clock.now() - earliest).total_seconds() if ids and earliest else 0.0
        self._metrics.handed_over(late)
        wakes = [t for t in (self._pending.next_due(), self._pending.refill_at) if t is not None]
        return DispatchResult(len(ids), more_due, min(wakes, default=None))

    async def _refill(self, now: datetime) -> bool:
        until = now + self._config.lookahead
        limit = self._config.claim_batch
        lease_until = until + self._config.lease
        claimed = await self._deliveries.claim_due(until, limit, lease_until, now=now)
        full = len(claimed) >= limit
        # Same transaction: the claimed rows already read as queued.
        later = None if full else await self._deliveries.next_due_at()
        await self._tx.commit()
        self._pending.add(claimed)
        if full:
            self._pending.refill_at = now
        elif later is not None:
            self._pending.refill_at = max(now, later - self._config.lookahead / 2)
        else:
            self._pending.refill_at = now + self._config.idle_refill
        return full
