from dataclasses import dataclass, field
from datetime import timedelta

from domain.notifications import RetryPolicy
from domain.preferences import Channel


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """Knobs of the delivery engine (from settings)."""

    claim_batch: int = 1000  # rows the scheduler claims per round
    message_batch: int = 50  # notification ids per worker message
    lease: timedelta = timedelta(seconds=60)  # after this, queued/sending work is re-run
    lookahead: timedelta = timedelta(seconds=1)  # the scheduler claims work due this soon
    idle_refill: timedelta = timedelta(seconds=1)  # re-read when nothing is known to be due
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True, slots=True)
class ChannelSwitch:
    """The channels the operator turned off; notifications to them are refused."""

    off: frozenset[Channel] = frozenset()
