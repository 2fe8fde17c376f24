"""What the delivery engine reports as it works, counted and timed by a metrics adapter:
the workers' sends, and the dispatcher's hand-offs (two ports, so that a process exposes
only the metrics of the work it does)."""

import enum
from typing import Protocol

from domain.contacts import Channel
from domain.notifications import Status


class AttemptOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the provider took the message
    TRANSIENT = "transient"  # timeout, 429 or 5xx: worth retrying
    REFUSED = "refused"  # the provider refused it for good (opted out included)
    ERROR = "error"  # an unexpected error in Herald itself, retried like a transient one


class DeliveryMetrics(Protocol):
    def attempt_ended(self, channel: Channel, outcome: AttemptOutcome) -> None:
        """One send attempt is over."""
        ...

    def provider_failed(self, provider: str, code: str | None) -> None:
        """A provider answered an attempt with an error; `code` is its own error code,
        None when there was none (a timeout)."""
        ...

    def accepted_late(self, channel: Channel, seconds: float) -> None:
        """A provider accepted a notification `seconds` after it was due."""
        ...

    def delivery_ended(self, channel: Channel, status: Status) -> None:
        """The engine is done with a notification: SENT or FAILED (stored)."""
        ...


class DispatchMetrics(Protocol):
    def handed_over(self, late_by_seconds: float) -> None:
        """A dispatcher round ended; `late_by_seconds` is how long the earliest
        notification it handed to the workers had been due (0 when it handed none)."""
        ...

    def due_counted(self, count: int) -> None:
        """`count` notifications are due and not yet handed to the workers."""
        ...
