import asyncio
from dataclasses import dataclass
from datetime import datetime

from application.notifications.config import DeliveryConfig
from application.ports.clock import Clock
from application.ports.notifications import NotificationRepository
from application.ports.scheduling import SendQueue
from application.ports.transactions import TransactionManager


@dataclass(frozen=True, slots=True)
class DispatchResult:
    dispatched: int
    more_due: bool  # a full batch was claimed: run again at once
    next_due_at: datetime | None


class DispatchDueNotifications:
    """One round of the scheduler: hand every due notification to the workers.

    Rules: due scheduled rows are claimed (-> queued, leased) and committed BEFORE they
    are enqueued: a crash in between leaves queued rows that the recovery sweep re-runs
    when the lease ends, never a message for a row that does not say so. Ids go out in
    batches so one worker message carries many sends. Reports the next due time so the
    caller can sleep exactly until then.
    """

    def __init__(
        self,
        notifications: NotificationRepository,
        queue: SendQueue,
        config: DeliveryConfig,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._notifications = notifications
        self._queue = queue
        self._config = config
        self._clock = clock
        self._tx = tx

    async def __call__(self) -> DispatchResult:
        now = self._clock.now()
        limit = self._config.claim_batch
        ids = await self._notifications.claim_due(now, limit, now + self._config.lease)
        more_due = len(ids) >= limit
        # Read in the same transaction: it sees the claimed rows as queued already.
        next_due = now if more_due else await self._notifications.next_due_at()
        await self._tx.commit()
        size = self._config.message_batch
        await asyncio.gather(
            *(self._queue.enqueue(ids[i : i + size]) for i in range(0, len(ids), size))
        )
        return DispatchResult(len(ids), more_due, next_due)
