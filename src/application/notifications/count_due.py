from application.notifications.pending import PendingSends
from application.ports.clock import Clock
from application.ports.notifications import DeliveryRepository, DispatchMetrics


class CountDueNotifications:
    """Report how many notifications are due and not yet handed to the workers.

    Rules: those are the scheduled rows due by now (not claimed yet: the dispatcher is
    behind, or down) and the claimed ones in the dispatcher's memory that have fallen due
    (they go at its next round). It only reads; the scheduler runs it about once a second.
    """

    def __init__(
        self,
        deliveries: DeliveryRepository,
        pending: PendingSends,
        metrics: DispatchMetrics,
        clock: Clock,
    ) -> None:
        self._deliveries = deliveries
        self._pending = pending
        self._metrics = metrics
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        due = await self._deliveries.count_due(now) + self._pending.count_due(now)
        self._metrics.due_counted(due)
        return due
