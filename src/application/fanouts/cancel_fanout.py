from dataclasses import dataclass
from uuid import UUID

from application.fanouts.find import find_fanout
from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.fanouts import FanoutRepository
from application.ports.transactions import TransactionManager
from domain.api_keys import Scope
from domain.fanouts import Fanout, Progress


@dataclass(frozen=True, slots=True)
class CanceledFanout:
    fanout: Fanout
    progress: Progress
    canceled: int  # its notifications canceled now


class CancelFanout:
    """Cancel a fan-out: its expansion stops and its notifications not yet sending
    (scheduled or queued) are canceled. Admins, or keys with notifications:write;
    NotFound for an unknown id, Conflict when it is canceled already. A batch being
    expanded at that moment is waited for, so none of its notifications escape."""

    def __init__(self, fanouts: FanoutRepository, clock: Clock, tx: TransactionManager) -> None:
        self._fanouts = fanouts
        self._clock = clock
        self._tx = tx

    async def __call__(self, requester: Caller, fanout_id: UUID) -> CanceledFanout:
        require_scope(requester, Scope.NOTIFICATIONS_WRITE)
        fanout = await find_fanout(self._fanouts, fanout_id)
        canceled = fanout.cancel(self._clock.now())  # Conflict when it already is
        count = await self._fanouts.cancel(canceled, self._clock.now())
        progress = (await self._fanouts.progress([fanout.id]))[fanout.id]
        await self._tx.commit()
        return CanceledFanout(canceled, progress, count)
