from application.ports.preferences import ContactPreferenceRepository
from application.ports.recipients import RecipientRepository
from domain.preferences import PhoneOptedOut


class MarkPhoneOptedOut:
    """Handler of PhoneOptedOut: flag the number as opted out of SMS on the recipient the
    notification went to (else its user's), if it is still their number (they may have
    changed it since the send). Runs in the unit of work of the use case that recorded
    the event, which commits it."""

    def __init__(self, prefs: ContactPreferenceRepository, recipients: RecipientRepository) -> None:
        self._prefs = prefs
        self._recipients = recipients

    async def __call__(self, event: PhoneOptedOut) -> None:
        if event.recipient_id is not None:
            current = await self._recipients.get_by_id(event.recipient_id)
            if current is not None and (marked := current.opt_out(event.phone)) is not current:
                await self._recipients.save(marked)
        elif event.user_id is not None:
            await self._prefs.mark_sms_opted_out(event.user_id, event.phone)
