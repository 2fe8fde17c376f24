from datetime import timedelta

from application.ports.clock import Clock
from application.ports.leads import LandbotInbox
from application.ports.transactions import TransactionManager

BATCH = 1000
KEEP = timedelta(days=30)


class ForgetLandbotMessages:
    """Housekeeping run by the scheduler: Landbot's messages as received are kept 30
    days after they were processed (long past any retry of Landbot's, so a redelivery
    is still stored once), then deleted, up to BATCH a run; what they said stays in the
    leads' conversations, which go with their recipient when it is erased. Returns how
    many were deleted."""

    def __init__(self, inbox: LandbotInbox, clock: Clock, tx: TransactionManager) -> None:
        self._inbox = inbox
        self._clock = clock
        self._tx = tx

    async def __call__(self) -> int:
        forgotten = await self._inbox.forget_processed(self._clock.now() - KEEP, BATCH)
        await self._tx.commit()
        return forgotten
