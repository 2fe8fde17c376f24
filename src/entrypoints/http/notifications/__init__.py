"""Routes of notifications: what users and admins do (routes), and the delivery
providers' callbacks (callbacks)."""

from entrypoints.http.notifications.callbacks import sendgrid_events, twilio_status
from entrypoints.http.notifications.routes import (
    NotificationActivityController,
    NotificationController,
)

__all__ = [
    "NotificationActivityController",
    "NotificationController",
    "sendgrid_events",
    "twilio_status",
]
