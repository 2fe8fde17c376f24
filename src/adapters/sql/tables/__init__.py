"""Every table, registered on one metadata: importing this package is what makes
`Base.metadata` complete (for migrations, and for tests that compare it to them). A new
capability's tables module is imported here."""

from adapters.sql.tables import (
    accounts,
    api_keys,
    datapoints,
    fanouts,
    leads,
    messaging,
    notifications,
    recipients,
    subscriptions,
    templates,
    tickets,
    topics,
)
from adapters.sql.tables.base import Base

__all__ = [
    "Base",
    "accounts",
    "api_keys",
    "datapoints",
    "fanouts",
    "leads",
    "messaging",
    "notifications",
    "recipients",
    "subscriptions",
    "templates",
    "tickets",
    "topics",
]
