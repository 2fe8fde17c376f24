from dataclasses import dataclass
from uuid import UUID

from application.fanouts.find import find_fanout
from application.policy import Caller, require_scope
from application.ports.fanouts import FanoutRepository
from domain.api_keys import Scope
from domain.fanouts import Fanout, Progress
from domain.notifications import Status


@dataclass(frozen=True, slots=True)
class FanoutReport:
    fanout: Fanout
    progress: Progress
    by_status: dict[Status, int]  # its notifications, by status


class GetFanout:
    """A fan-out with how far its expansion got and where its notifications are. Admins,
    or keys with notifications:read; NotFound for an unknown id."""

    def __init__(self, fanouts: FanoutRepository) -> None:
        self._fanouts = fanouts

    async def __call__(self, requester: Caller, fanout_id: UUID) -> FanoutReport:
        require_scope(requester, Scope.NOTIFICATIONS_READ)
        fanout = await find_fanout(self._fanouts, fanout_id)
        progress = (await self._fanouts.progress([fanout.id]))[fanout.id]
        return FanoutReport(fanout, progress, await self._fanouts.by_status(fanout.id))
