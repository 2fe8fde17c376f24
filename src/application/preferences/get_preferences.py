from uuid import UUID

from application.ports.clock import Clock
from application.ports.preferences import ContactPreferenceRepository
from domain.preferences import ContactPreferences


class GetPreferences:
    """A user's contact preferences; a user who never set any has `none` and no addresses."""

    def __init__(self, prefs: ContactPreferenceRepository, clock: Clock) -> None:
        self._prefs = prefs
        self._clock = clock

    async def __call__(self, user_id: UUID) -> ContactPreferences:
        found = await self._prefs.get(user_id)
        return found or ContactPreferences.default(user_id, self._clock.now())
