from application.ports.preferences import ContactPreferenceRepository
from domain.preferences import PhoneOptedOut


class MarkPhoneOptedOut:
    """Handler of PhoneOptedOut: flag the number as opted out of SMS, if it is still the
    user's number (they may have changed it since the send). Runs in the unit of work of
    the use case that recorded the event, which commits it."""

    def __init__(self, prefs: ContactPreferenceRepository) -> None:
        self._prefs = prefs

    async def __call__(self, event: PhoneOptedOut) -> None:
        await self._prefs.mark_sms_opted_out(event.user_id, event.phone)
