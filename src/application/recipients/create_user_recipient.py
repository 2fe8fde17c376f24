from dataclasses import replace

from application.ports.recipients import RecipientRepository
from domain.accounts import AccountCreated
from domain.ids import new_id
from domain.recipients import Contact, ExternalId, Recipient


class CreateUserRecipient:
    """Handler of AccountCreated: the new account's recipient, `user:<username>`, with no
    addresses and every channel off (the seed's `notify_pref` none). A recipient an admin
    made under that external id beforehand becomes the account's. Runs in the unit of
    work of the signup, which commits it."""

    def __init__(self, recipients: RecipientRepository) -> None:
        self._recipients = recipients

    async def __call__(self, event: AccountCreated) -> None:
        external_id = ExternalId.of_user(event.username)
        found = await self._recipients.get(external_id)
        if found is None:
            made = Recipient.new(new_id(), external_id, Contact(), event.at, event.user_id)
            await self._recipients.save(made)
        elif found.user_id is None:
            await self._recipients.save(replace(found, user_id=event.user_id, updated_at=event.at))
