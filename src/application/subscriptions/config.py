from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class SubscriptionRules:
    """The program's knobs (from settings)."""

    program: str = "Herald updates"
    help_contact: str = "support@example.com"
    confirm_ttl: timedelta = timedelta(hours=24)  # a pending subscription expires then
    resend_every: timedelta = timedelta(seconds=60)  # a pending confirmation goes again
    update_offsets: tuple[timedelta, ...] = field(
        default=(timedelta(seconds=15), timedelta(seconds=35))
    )
    auto_replies_per_hour: int = 3  # per phone: an auto-responder cannot start a loop
    # Twilio answers STOP itself on long codes and blocks sends after it (21610).
    provider_handles_opt_out: bool = True

    @property
    def frequency(self) -> str:
        """What the CTIA texts say of the message frequency."""
        count = len(self.update_offsets)
        return f"{count} msg{'' if count == 1 else 's'} per subscription"
