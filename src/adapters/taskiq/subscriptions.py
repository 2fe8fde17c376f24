"""The inbound queue over Taskiq: one message per inbound SMS, by its MessageSid. The
broker is made after the container (it is wired to it), so the process attaches it once
both exist."""

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

HANDLE_INBOUND_TASK = "herald.handle_inbound_sms"


class TaskiqInboundQueue:
    def __init__(self) -> None:
        self._kicker: AsyncKicker[[str], object] | None = None

    def attach(self, broker: AsyncBroker) -> None:
        self._kicker = AsyncKicker(HANDLE_INBOUND_TASK, broker, labels={})

    async def enqueue(self, message_sid: str) -> None:
        if self._kicker is None:
            raise RuntimeError("no Taskiq broker attached to the inbound queue")
        await self._kicker.kiq(message_sid)
