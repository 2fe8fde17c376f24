"""The sender of a channel the operator turned off (HERALD_<CHANNEL>_PROVIDER=none)."""

from application.ports.notifications import (
    EmailMessage,
    PermanentDeliveryError,
    SendReceipt,
    SmsMessage,
)

CHANNEL_OFF = "channel_off"


class DisabledSender:
    """New notifications to the channel are refused when they are made; one scheduled before
    the switch fails for good here instead of waiting for a provider that never comes."""

    provider = "none"

    def __init__(self, channel: str) -> None:
        self._channel = channel

    async def send(self, message: SmsMessage | EmailMessage) -> SendReceipt:
        raise PermanentDeliveryError(
            f"{self._channel} is turned off on this server", code=CHANNEL_OFF
        )
