from datetime import timedelta

from application.ports.clock import Clock
from application.ports.leads import LandbotInbox, LeadQueue

BATCH = 500
STALE_AFTER = timedelta(seconds=60)


class RequeueLandbotMessages:
    """Housekeeping run by the scheduler: a Landbot message stored a minute ago and still
    not processed (its task failed, or its queue message was lost) is handed to a worker
    again, up to BATCH a run; the worker acts on each once (`LandbotInbox.claim`), so
    nothing Landbot sent is left behind. Returns how many were handed over."""

    def __init__(self, inbox: LandbotInbox, queue: LeadQueue, clock: Clock) -> None:
        self._inbox = inbox
        self._queue = queue
        self._clock = clock

    async def __call__(self) -> int:
        keys = await self._inbox.unprocessed(self._clock.now() - STALE_AFTER, BATCH)
        for key in keys:
            await self._queue.enqueue(key)
        return len(keys)
