from datetime import timedelta

from application.ports.clock import Clock
from application.ports.subscriptions import InboundMessages, InboundQueue
from application.ports.transactions import TransactionManager

BATCH = 1000
GRACE = timedelta(minutes=1)  # a task takes well under this once a worker has it
MOST = 5  # hand-overs of a message that fails every time, before it is left to an operator


class RequeueInbound:
    """Housekeeping run by the scheduler: an inbound SMS stored but still not processed
    GRACE after it arrived lost its task (a worker killed before it committed, the queue
    unreachable just after the message was stored), and Twilio will not send it again:
    it is handed to a worker again, at most MOST times. Handing over twice is harmless:
    the worker acts once (`InboundMessages.claim`). The counts are committed before the
    hand-over, so a failing queue cannot make the sweep hand one message over forever.
    Up to BATCH a run; returns how many were handed over."""

    def __init__(
        self,
        inbound: InboundMessages,
        queue: InboundQueue,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._inbound = inbound
        self._queue = queue
        self._clock = clock
        self._tx = tx

    async def __call__(self) -> int:
        sids = await self._inbound.unprocessed(self._clock.now() - GRACE, MOST, BATCH)
        await self._tx.commit()
        for sid in sids:
            await self._queue.enqueue(sid)
        return len(sids)
