import logging
from dataclasses import dataclass
from uuid import UUID

from application.accounts.log_in import LOGIN_FIELD_MAX
from application.ports.accounts import (
    PasswordHasher,
    RateLimiter,
    SessionRepository,
    UserRepository,
)
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.accounts import Password, User
from domain.errors import FieldErrors, RateLimited

log = logging.getLogger("herald.audit")


@dataclass(frozen=True, slots=True)
class ChangePasswordCommand:
    user: User
    session_id: UUID  # the session asking, which stays signed in
    current: str
    new: str


class ChangePassword:
    """A signed-in user changes their own password.

    Rules: `current` must be the account's password (InvalidInput on `current`), tried
    at most HERALD_LOGIN_RATE_LIMIT times per account and window (RateLimited), so a
    stolen access token cannot be used to guess it; `new` meets the password policy and
    differs from `current`. Every other session of the account ends in the same commit;
    the one asking stays signed in. Logged with who did it, never with a password.
    """

    def __init__(
        self,
        users: UserRepository,
        sessions: SessionRepository,
        hasher: PasswordHasher,
        limiter: RateLimiter,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._hasher = hasher
        self._limiter = limiter
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: ChangePasswordCommand) -> None:
        errors = FieldErrors()
        if len(cmd.current) > LOGIN_FIELD_MAX:
            errors.add("current", f"must be at most {LOGIN_FIELD_MAX} characters")
        new = errors.check("new", Password, cmd.new)
        if new is not None and cmd.new == cmd.current:
            errors.add("new", "must differ from the current password")
        errors.raise_if_any()
        retry_after = await self._limiter.hit(f"password:{cmd.user.id}")
        if retry_after is not None:
            raise RateLimited("too many password changes tried; try again later", retry_after)
        # Read again: the signed-in user may come from a cache a second old.
        stored = await self._users.get(cmd.user.id)
        if stored is None or not await self._hasher.verify(stored.password_hash, cmd.current):
            errors.add("current", "is not the account's password")
            errors.raise_if_any()
        assert stored is not None
        user = stored.with_password_hash(await self._hasher.hash(new.value))
        await self._users.update(user)
        ended = await self._sessions.revoke_all(user.id, self._clock.now(), keep=cmd.session_id)
        await self._tx.commit()
        log.info(
            "password changed",
            extra={
                "actor_id": str(user.id),
                "actor": user.username.value,
                "sessions_ended": ended,
            },
        )
