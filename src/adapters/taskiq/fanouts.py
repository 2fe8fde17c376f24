"""The expansion queue over Taskiq: one message per part of a fan-out."""

import logging
from uuid import UUID

from redis.exceptions import RedisError
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

EXPAND_TASK = "herald.expand_fanout"

log = logging.getLogger("herald.fanouts")


class TaskiqFanoutQueue:
    def __init__(self, broker: AsyncBroker, task_name: str = EXPAND_TASK) -> None:
        self._kicker: AsyncKicker[[str, int], object] = AsyncKicker(task_name, broker, labels={})

    async def expand(self, fanout_id: UUID, part: int) -> None:
        try:
            await self._kicker.kiq(str(fanout_id), part)
        except (RedisError, OSError):
            # The part is stored and leased: the recovery sweep queues it when the lease ends.
            log.warning(
                "could not queue the expansion of a fan-out; the recovery sweep will",
                extra={"fanout_id": str(fanout_id), "part": part},
                exc_info=True,
            )
