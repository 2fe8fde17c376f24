from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class LeadRules:
    """What the leads' use cases are configured with (`LeadsSettings`): how long after
    intake the welcome email goes out."""

    welcome_delay: timedelta = timedelta(seconds=60)
