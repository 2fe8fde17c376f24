import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable

from application.ports.tickets import LandbotMessenger, LandbotRejected, LandbotUnavailable

log = logging.getLogger("herald.tickets")

ATTEMPTS = 3
FIRST_WAIT_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 30.0  # a worker holds the text this long at most between attempts


class RelayOutcome(enum.StrEnum):
    SENT = "sent"
    REJECTED = "rejected"  # permanent: not tried again
    UNAVAILABLE = "unavailable"  # transient every time: Landbot busy, failing or unreachable


class RelayToLandbot:
    """A text for a Landbot customer (a public comment, a solved ticket), sent by a task
    so no request waits on Landbot. Landbot's refusal (a bad token, an unknown customer)
    is permanent: logged as an error, not tried again. A transient failure (429, 5xx, a
    timeout) is tried again, up to 3 attempts, after Landbot's `Retry-After` or 1 s,
    then 2 s (30 s at most); the last one is logged. Either way the customer's email
    went through the notification engine."""

    def __init__(
        self,
        messenger: LandbotMessenger,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._messenger = messenger
        self._pause = pause

    async def __call__(self, customer_id: str, text: str) -> RelayOutcome:
        wait = FIRST_WAIT_SECONDS
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self._messenger.send_text(customer_id, text)
            except LandbotRejected as refused:
                log.error(
                    "Landbot refused a message: %s",
                    refused,
                    extra={"landbot_status": refused.status},
                )
                return RelayOutcome.REJECTED
            except LandbotUnavailable as failed:
                if attempt == ATTEMPTS:
                    log.warning(
                        "Landbot did not take a message after %d attempts: %s",
                        ATTEMPTS,
                        failed,
                        extra={"landbot_status": failed.status},
                    )
                    return RelayOutcome.UNAVAILABLE
                hinted = failed.retry_after_seconds
                await self._pause(min(hinted if hinted is not None else wait, LONGEST_WAIT_SECONDS))
                wait *= 2
            else:
                return RelayOutcome.SENT
        raise AssertionError("unreachable: the last attempt returns")
