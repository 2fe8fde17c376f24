from dataclasses import dataclass

from application.ports.accounts import PasswordHasher, SessionRepository, UserRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.accounts import Password, User, Username
from domain.errors import FieldErrors, NotFound


@dataclass(frozen=True, slots=True)
class ResetPasswordCommand:
    username: str
    password: str


class ResetPassword:
    """Give an account a new password (command line only: `herald reset-password`).

    Rules: the account must exist (NotFound); the new password meets the policy. Every
    session of the account is revoked, so a leaked refresh token or access token stops
    working; the user logs in again with the new password.
    """

    def __init__(
        self,
        users: UserRepository,
        sessions: SessionRepository,
        hasher: PasswordHasher,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._hasher = hasher
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: ResetPasswordCommand) -> User:
        errors = FieldErrors()
        username = errors.check("username", Username, cmd.username)
        password = errors.check("password", Password, cmd.password)
        errors.raise_if_any()
        user = await self._users.get_by_username(username)
        if user is None:
            raise NotFound(f"no user named '{username}'")
        user = user.with_password_hash(await self._hasher.hash(password.value))
        await self._users.update(user)
        await self._sessions.revoke_all(user.id, self._clock.now())
        await self._tx.commit()
        return user
