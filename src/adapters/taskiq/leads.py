"""The leads' queue over Taskiq: one message per stored Landbot message, by its key."""

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

HANDLE_LANDBOT_TASK = "herald.handle_landbot_message"


class TaskiqLeadQueue:
    def __init__(self, broker: AsyncBroker) -> None:
        self._kicker: AsyncKicker[[str], object] = AsyncKicker(
            HANDLE_LANDBOT_TASK, broker, labels={}
        )

    async def enqueue(self, key: str) -> None:
        await self._kicker.kiq(key)
