from typing import Protocol
from uuid import UUID

from domain.preferences import ContactPreferences


class ContactPreferenceRepository(Protocol):
    async def get(self, user_id: UUID) -> ContactPreferences | None: ...

    async def save(self, prefs: ContactPreferences) -> None:
        """Insert or replace the user's preferences."""
        ...

    async def mark_sms_opted_out(self, user_id: UUID, phone: str) -> None:
        """Flag the number as opted out, if it is still the user's number."""
        ...
