from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class MessagingConfig:
    """The knobs of messaging's use cases, from the settings."""

    default_window: timedelta = timedelta(days=30)  # the seed's rule for GET /api/messages/{name}
    edit_window: timedelta = timedelta(minutes=15)  # a sender may edit a message this long
    notify_after: timedelta = timedelta(minutes=10)  # unread this long: a notification
    events_kept: timedelta = timedelta(days=1)  # a stream reconnecting later reloads instead
