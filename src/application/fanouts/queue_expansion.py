from application.ports.fanouts import FanoutQueue
from domain.fanouts import Fanout, FanoutStatus


class QueueExpansion:
    """Hand each part of a fan-out just triggered to the workers, which expand it.

    Rules: only an expanding fan-out has parts to queue. The API calls this once the
    trigger's answer is sent: workers starting on the expansion at once would take the
    two cores from the answer (benchmarks, section 12). A part whose queue message is
    lost, or never sent because the process died first, is re-queued by the recovery
    sweep (`RecoverStalledFanouts`) when its lease runs out."""

    def __init__(self, queue: FanoutQueue) -> None:
        self._queue = queue

    async def __call__(self, fanout: Fanout) -> None:
        if fanout.status is not FanoutStatus.EXPANDING:
            return
        for part in range(fanout.parts):
            await self._queue.expand(fanout.id, part)
