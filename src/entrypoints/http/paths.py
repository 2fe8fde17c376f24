"""Paths of routes that Herald hands out to others: a provider is told at send time where
to call back (entrypoints.ioc builds the URL from the public URL and this path)."""

TWILIO_STATUS_PATH = "/webhooks/twilio/status"
TWILIO_INBOUND_PATH = "/webhooks/twilio/inbound"
SENDGRID_EVENTS_PATH = "/webhooks/sendgrid/events"
