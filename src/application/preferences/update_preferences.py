from dataclasses import dataclass
from typing import Final
from uuid import UUID

from application.ports.clock import Clock
from application.ports.preferences import ContactPreferenceRepository
from application.ports.transactions import TransactionManager
from domain.errors import FieldErrors
from domain.preferences import ContactPreferences, EmailAddress, NotifyPref, PhoneNumber


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


@dataclass(frozen=True, slots=True)
class UpdatePreferencesCommand:
    """KEEP leaves a field as it was; None clears an address."""

    user_id: UUID
    notify_pref: str | _Keep = KEEP
    email: str | _Keep | None = KEEP
    phone: str | int | _Keep | None = KEEP


class UpdatePreferences:
    """Change some of a user's preferences (a PATCH).

    Rules: a field left out keeps its value; the email must look like an address; the
    phone is stored in E.164 and may come in the seed's integer form; `notify_pref` is
    email, sms or none (any case). The result must keep an address for the preferred
    channel, so choosing sms without a phone (or clearing the phone while sms is chosen)
    is refused. A changed phone number is no longer opted out of SMS.
    """

    def __init__(
        self, prefs: ContactPreferenceRepository, clock: Clock, tx: TransactionManager
    ) -> None:
        self._prefs = prefs
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: UpdatePreferencesCommand) -> ContactPreferences:
        now = self._clock.now()
        current = await self._prefs.get(cmd.user_id) or ContactPreferences.default(cmd.user_id, now)
        errors = FieldErrors()
        pref = current.notify_pref
        email = current.email
        phone = current.phone
        if not isinstance(cmd.notify_pref, _Keep):
            pref = errors.check("notify_pref", NotifyPref.parse, cmd.notify_pref)
        if not isinstance(cmd.email, _Keep):
            email = None if cmd.email is None else errors.check("email", EmailAddress, cmd.email)
        if not isinstance(cmd.phone, _Keep):
            phone = None if cmd.phone is None else errors.check("phone", PhoneNumber, cmd.phone)
        errors.raise_if_any()
        updated = current.change(now, notify_pref=pref, email=email, phone=phone)
        await self._prefs.save(updated)
        await self._tx.commit()
        return updated
