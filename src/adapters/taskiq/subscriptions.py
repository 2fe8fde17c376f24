"""The inbound queue over Taskiq: one message per inbound SMS, by its MessageSid. The
broker is made after the container (it is wired to it), so the process attaches it once
both exist."""

import logging

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

HANDLE_INBOUND_TASK = "herald.handle_inbound_sms"
log = logging.getLogger("herald.subscriptions")


class TaskiqInboundQueue:
    def __init__(self) -> None:
        self._kicker: AsyncKicker[[str], object] | None = None

    def attach(self, broker: AsyncBroker) -> None:
        self._kicker = AsyncKicker(HANDLE_INBOUND_TASK, broker, labels={})

    async def enqueue(self, message_sid: str) -> None:
        if self._kicker is None:  # an app made without its broker (some tests)
            log.warning("no broker: inbound SMS %s stays stored, unprocessed", message_sid)
            return
        await self._kicker.kiq(message_sid)
