"""The inbound queue over Taskiq: one message per inbound SMS, by its MessageSid."""

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

HANDLE_INBOUND_TASK = "herald.handle_inbound_sms"


class TaskiqInboundQueue:
    def __init__(self, broker: AsyncBroker) -> None:
        self._kicker: AsyncKicker[[str], object] = AsyncKicker(
            HANDLE_INBOUND_TASK, broker, labels={}
        )

    async def enqueue(self, message_sid: str) -> None:
        await self._kicker.kiq(message_sid)
