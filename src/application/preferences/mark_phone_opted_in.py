from application.ports.recipients import RecipientRepository
from domain.preferences import PhoneOptedIn


class MarkPhoneOptedIn:
    """Handler of PhoneOptedIn: clear the SMS opt-out of the recipient whose number
    texted START, if it is still their number. Runs in the unit of work of the use case
    that recorded the event, which commits it."""

    def __init__(self, recipients: RecipientRepository) -> None:
        self._recipients = recipients

    async def __call__(self, event: PhoneOptedIn) -> None:
        current = await self._recipients.get_by_id(event.recipient_id)
        if current is not None and (marked := current.opt_in(event.phone)) is not current:
            await self._recipients.save(marked)
