from application.ports.clock import Clock
from application.ports.notifications import DeliveryRepository
from application.ports.transactions import TransactionManager


class RecoverStalledDeliveries:
    """Re-schedule notifications whose worker or message was lost.

    Rules: a queued or sending row whose lease ran out goes back to scheduled, due now.
    A row that was sending may have reached the provider already, so it can be sent
    twice: that is the at-least-once price of never losing one. Leases are set well
    above the provider timeout so a slow but live attempt is not re-run.
    """

    def __init__(
        self, deliveries: DeliveryRepository, clock: Clock, tx: TransactionManager
    ) -> None:
        self._deliveries = deliveries
        self._clock = clock
        self._tx = tx

    async def __call__(self) -> int:
        recovered = await self._deliveries.recover_expired(self._clock.now())
        await self._tx.commit()
        return recovered
