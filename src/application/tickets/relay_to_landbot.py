import enum
import logging

from application.ports.tickets import LandbotMessenger, LandbotRejected, LandbotUnavailable

log = logging.getLogger("herald.tickets")


class RelayOutcome(enum.StrEnum):
    SENT = "sent"
    REJECTED = "rejected"  # permanent: not tried again
    UNAVAILABLE = "unavailable"  # transient: Landbot busy, failing or unreachable


class RelayToLandbot:
    """A text for a Landbot customer (a public comment, a solved ticket), sent by a task
    so no request waits on Landbot. Landbot's refusal (a bad token, an unknown
    customer) is permanent and logged; a transient failure (429, 5xx, a timeout) is
    logged with what Landbot said. Either way the email went through the notification
    engine."""

    def __init__(self, messenger: LandbotMessenger) -> None:
        self._messenger = messenger

    async def __call__(self, customer_id: str, text: str) -> RelayOutcome:
        try:
            await self._messenger.send_text(customer_id, text)
        except LandbotRejected as refused:
            log.error(
                "Landbot refused a message: %s", refused, extra={"landbot_status": refused.status}
            )
            return RelayOutcome.REJECTED
        except LandbotUnavailable as failed:
            log.warning(
                "Landbot did not take a message: %s",
                failed,
                extra={"landbot_status": failed.status},
            )
            return RelayOutcome.UNAVAILABLE
        return RelayOutcome.SENT
