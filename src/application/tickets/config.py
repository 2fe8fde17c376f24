"""The tickets' knobs, from the settings: the topics a ticket may have, and how long a
solved ticket takes a customer's reply that reopens it before it closes."""

from dataclasses import dataclass
from datetime import timedelta

from domain.tickets import DEFAULT_TOPICS


@dataclass(frozen=True, slots=True)
class TicketsConfig:
    topics: tuple[str, ...] = DEFAULT_TOPICS
    reopen_window: timedelta = timedelta(days=7)
