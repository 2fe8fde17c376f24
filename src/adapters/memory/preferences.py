"""In-memory contact preferences: for unit tests, held to the same contract suite as SQL."""

from dataclasses import replace
from uuid import UUID

from adapters.memory.transactions import MemoryStore
from domain.preferences import ContactPreferences


class InMemoryContactPreferenceRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._rows: dict[UUID, ContactPreferences] = (store or MemoryStore()).dict_table()

    async def get(self, user_id: UUID) -> ContactPreferences | None:
        return self._rows.get(user_id)

    async def save(self, prefs: ContactPreferences) -> None:
        self._rows[prefs.user_id] = prefs

    async def mark_sms_opted_out(self, user_id: UUID, phone: str) -> None:
        p = self._rows.get(user_id)
        if p is not None and p.phone is not None and p.phone.value == phone:
            self._rows[user_id] = replace(p, sms_opted_out=True)
