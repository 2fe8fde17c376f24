"""Landbot while no Landbot API token is configured: customers from Landbot are reached by
email only; nothing is queued, and a text queued before the token was removed is refused."""

from application.ports.tickets import LandbotRejected


class DisabledLandbotOutbox:
    @property
    def enabled(self) -> bool:
        return False

    async def send_text(self, customer_id: str, text: str) -> None:
        return None


class DisabledLandbotMessenger:
    async def send_text(self, customer_id: str, text: str) -> None:
        raise LandbotRejected("HERALD_LANDBOT_API_TOKEN is not set")
