from dataclasses import dataclass

from application.auth.tokens import TokenPair, TokenPairFactory
from application.ports.security import PasswordHasher, RateLimiter
from application.ports.transactions import TransactionManager
from application.ports.users import UserRepository
from domain.errors import AuthenticationFailed, InvalidValue, RateLimited
from domain.users import Username

INVALID_CREDENTIALS = "invalid username or password"


@dataclass(frozen=True, slots=True)
class LogInCommand:
    username: str
    password: str
    client: str


class LogIn:
    """Exchange a username and password for an access and a refresh token.

    Rules: attempts are rate limited per client and username (RateLimited). A wrong
    password, an unknown or malformed username and a disabled account all fail the same
    way and take about the same time, so the answer does not reveal which usernames
    exist. A hash made with outdated parameters is replaced on a successful login.
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        limiter: RateLimiter,
        tokens: TokenPairFactory,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._limiter = limiter
        self._tokens = tokens
        self._tx = tx

    async def __call__(self, cmd: LogInCommand) -> TokenPair:
        key = f"login:{cmd.client}:{cmd.username.strip().casefold()}"
        retry_after = await self._limiter.hit(key)
        if retry_after is not None:
            raise RateLimited("too many login attempts; try again later", retry_after)
        try:
            user = await self._users.get_by_username(Username(cmd.username))
        except InvalidValue:
            user = None
        if user is None or user.disabled:
            await self._hasher.waste_time(cmd.password)
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        if not await self._hasher.verify(user.password_hash, cmd.password):
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        if self._hasher.needs_rehash(user.password_hash):
            user = user.with_password_hash(await self._hasher.hash(cmd.password))
            await self._users.update(user)
        pair = await self._tokens.start_session(user)
        await self._tx.commit()
        return pair
