"""The send queue over Taskiq: one message per batch of notification ids."""

from collections.abc import Sequence
from uuid import UUID

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

DELIVER_TASK = "herald.deliver_notifications"


class TaskiqSendQueue:
    def __init__(self, broker: AsyncBroker, task_name: str = DELIVER_TASK) -> None:
        self._kicker: AsyncKicker[[list[str]], object] = AsyncKicker(task_name, broker, labels={})

    async def enqueue(self, ids: Sequence[UUID]) -> None:
        if ids:
            await self._kicker.kiq([str(i) for i in ids])
