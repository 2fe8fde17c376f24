from uuid import UUID

from application.ports.accounts import UserRepository
from application.ports.recipients import RecipientRepository
from domain.errors import NotFound
from domain.ids import new_id
from domain.preferences import ContactPreferences
from domain.recipients import Contact, ExternalId, Recipient


class RecipientContactPreferences:
    """ContactPreferenceRepository over the user's recipient: preferences are what
    `/preferences` and the seed API call a user's recipient. A user without one (made
    before accounts got recipients, or whose recipient was erased) gets it on the first
    save, as `user:<username>`."""

    def __init__(self, recipients: RecipientRepository, users: UserRepository) -> None:
        self._recipients = recipients
        self._users = users

    async def get(self, user_id: UUID) -> ContactPreferences | None:
        found = await self._recipients.get_by_user(user_id)
        return ContactPreferences.of(user_id, found) if found else None

    async def save(self, prefs: ContactPreferences) -> None:
        current = await self._recipients.get_by_user(prefs.user_id)
        if current is None:
            user = await self._users.get(prefs.user_id)
            if user is None:
                raise NotFound(f"no user with id {prefs.user_id}")
            external_id = ExternalId.of_user(user.username.value)
            current = Recipient.new(new_id(), external_id, Contact(), prefs.updated_at, user.id)
        await self._recipients.save(prefs.apply_to(current))

    async def mark_sms_opted_out(self, user_id: UUID, phone: str) -> None:
        current = await self._recipients.get_by_user(user_id)
        if current is not None and (marked := current.opt_out(phone)) is not current:
            await self._recipients.save(marked)
