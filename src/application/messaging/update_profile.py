from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.messaging import ProfileRepository
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import FieldErrors
from domain.messaging import Profile, profile_name

# A PATCH's way of telling "leave it as it is" from null ("clear it").
KEEP = object()


@dataclass(frozen=True, slots=True)
class UpdateProfileCommand:
    requester: User
    first_name: object = KEEP  # str, None (clear) or KEEP
    last_name: object = KEEP
    contacts_only: bool | None = None  # None: keep


class UpdateProfile:
    """Set the caller's own profile fields (`PATCH /me`): a field left out stays, null or
    blank clears it. Each name is at most 32 characters without control characters,
    trimmed. `contacts_only` restricts direct messages to the caller's contacts."""

    def __init__(self, profiles: ProfileRepository, clock: Clock, tx: TransactionManager) -> None:
        self._profiles = profiles
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: UpdateProfileCommand) -> Profile:
        current = await self._profiles.get(cmd.requester.id) or Profile(
            cmd.requester.id, None, None
        )
        errors = FieldErrors()
        first, last = current.first_name, current.last_name
        if cmd.first_name is not KEEP:
            first = errors.check("first_name", profile_name, cmd.first_name)
        if cmd.last_name is not KEEP:
            last = errors.check("last_name", profile_name, cmd.last_name)
        errors.raise_if_any()
        only = current.contacts_only if cmd.contacts_only is None else cmd.contacts_only
        profile = Profile(cmd.requester.id, first, last, only)
        await self._profiles.save(profile, self._clock.now())
        await self._tx.commit()
        return profile
