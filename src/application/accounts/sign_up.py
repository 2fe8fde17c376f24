from dataclasses import dataclass

from application.events import DomainEvents
from application.ports.accounts import PasswordHasher, UserRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.accounts import AccountCreated, Password, Role, User, Username
from domain.errors import Conflict, FieldErrors
from domain.ids import new_id


@dataclass(frozen=True, slots=True)
class SignUpCommand:
    username: str
    password: str


class SignUp:
    """Create an account with the `user` role.

    Rules: the username is case-folded and must be free (else Conflict); the password
    must meet the policy; every bad field is reported at once. Admins are made only
    by `herald create-admin` (CreateAdmin), never by signup. Records AccountCreated, so
    what other capabilities keep per account (its recipient) is made in the same commit.
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        clock: Clock,
        tx: TransactionManager,
        events: DomainEvents,
    ) -> None:
        self._users = users
        self._events = events
        self._hasher = hasher
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: SignUpCommand, role: Role = Role.USER) -> User:
        errors = FieldErrors()
        username = errors.check("username", Username, cmd.username)
        password = errors.check("password", Password, cmd.password)
        errors.raise_if_any()
        if await self._users.get_by_username(username) is not None:
            raise Conflict(f"username '{username}' is taken")
        user = User(
            id=new_id(),
            username=username,
            password_hash=await self._hasher.hash(password.value),
            role=role,
            created_at=self._clock.now(),
        )
        await self._users.add(user)  # raises Conflict if a concurrent signup won the race
        await self._events.record(AccountCreated(user.id, username.value, user.created_at))
        await self._tx.commit()
        return user


class CreateAdmin:
    """Create an account with the `admin` role (command line only); same rules as SignUp."""

    def __init__(self, sign_up: SignUp) -> None:
        self._sign_up = sign_up

    async def __call__(self, cmd: SignUpCommand) -> User:
        return await self._sign_up(cmd, role=Role.ADMIN)
