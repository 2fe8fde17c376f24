"""The Landbot outbox over Taskiq: a message per text, for a worker to send, so that no
request waits on Landbot."""

import logging

from redis.exceptions import RedisError
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

SEND_TASK = "herald.send_landbot_text"

log = logging.getLogger("herald.tickets")


class TaskiqLandbotOutbox:
    def __init__(self, broker: AsyncBroker, task_name: str = SEND_TASK) -> None:
        self._kicker: AsyncKicker[[str, str], object] = AsyncKicker(task_name, broker, labels={})

    @property
    def enabled(self) -> bool:
        return True

    async def send_text(self, customer_id: str, text: str) -> None:
        try:
            await self._kicker.kiq(customer_id, text)
        except (RedisError, OSError):
            # The email went through the notification engine; the chat copy is lost.
            log.warning(
                "could not queue a Landbot text; the customer gets the email only",
                extra={"landbot_customer": customer_id},
                exc_info=True,
            )
