from application.ports.clock import Clock
from application.ports.subscriptions import SubscriptionRepository
from application.ports.transactions import TransactionManager
from application.subscriptions.moves import SubscriptionMoves
from domain.subscriptions import Status

BATCH = 1000


class ExpireSubscriptions:
    """Housekeeping run by the scheduler: pending subscriptions not confirmed within
    their time to live become `expired` (a reply or a new request would find them so
    anyway; the sweep makes lists say it too). Up to BATCH a run, committed together."""

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        moves: SubscriptionMoves,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._subscriptions = subscriptions
        self._moves = moves
        self._clock = clock
        self._tx = tx

    async def __call__(self) -> int:
        now = self._clock.now()
        due = await self._subscriptions.expired_pending(now, BATCH)
        for s in due:
            await self._moves.move(s, Status.EXPIRED, now, "not confirmed in time")
        await self._tx.commit()
        return len(due)
