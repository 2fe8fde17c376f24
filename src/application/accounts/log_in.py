import hashlib
from dataclasses import dataclass

from application.accounts.mfa import ENROL, LOGIN, MfaPolicy, MfaRequired
from application.accounts.tokens import TokenPair, TokenPairFactory
from application.ports.accounts import (
    LoginHistory,
    MfaChallenges,
    MfaRepository,
    PasswordHasher,
    RateLimiter,
    UserRepository,
)
from application.ports.transactions import TransactionManager
from domain.accounts import MfaEnrolmentRequired, User, Username
from domain.errors import AuthenticationFailed, FieldErrors, InvalidValue, RateLimited

INVALID_CREDENTIALS = "invalid username or password"
LOGIN_FIELD_MAX = 256  # far above any valid username or password; bounds the work per try


@dataclass(frozen=True, slots=True)
class LogInCommand:
    username: str
    password: str
    client: str  # the client's address, as the trusted proxies (if any) reported it


@dataclass(frozen=True, slots=True)
class AccountLockout:
    """After this many failed logins to one account in the history's window, from any
    addresses, only clients that logged in to it before may keep trying."""

    failures: int = 20


def _key(text: str) -> str:
    # Limiter and history keys never hold what a client sent: a 1 MB username would
    # otherwise sit in Redis as a 1 MB key.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class LogIn:
    """Exchange a username and password for an access and a refresh token.

    Rules: username and password are at most LOGIN_FIELD_MAX characters. Attempts are
    rate limited per client and username (RateLimited). Once an account has had
    `AccountLockout.failures` failed logins within the window, from any addresses, a
    client that never logged in to it is refused (RateLimited) until the window ends,
    while clients that did log in to it before go on as usual: a spread-out guesser is
    stopped without locking the owner out of the devices they use. A wrong password, an
    unknown or malformed username and a disabled account all fail the same way and take
    about the same time, so the answer does not reveal which usernames exist. A hash
    made with outdated parameters is replaced on a successful login.

    Two-factor sign-in: with it on, the right password makes no tokens but a login
    challenge (`MfaRequired`), which `CompleteMfaLogin` turns into tokens with a code.
    With `MfaPolicy.required_for_staff`, an admin or agent without it on gets no tokens
    either: MfaEnrolmentRequired (403), carrying a challenge good only for enrolling.
    """

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        limiter: RateLimiter,
        history: LoginHistory,
        lockout: AccountLockout,
        tokens: TokenPairFactory,
        mfa: MfaRepository,
        challenges: MfaChallenges,
        mfa_policy: MfaPolicy,
        tx: TransactionManager,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._limiter = limiter
        self._history = history
        self._lockout = lockout
        self._tokens = tokens
        self._mfa = mfa
        self._challenges = challenges
        self._mfa_policy = mfa_policy
        self._tx = tx

    async def __call__(self, cmd: LogInCommand) -> TokenPair | MfaRequired:
        errors = FieldErrors()
        for name, value in (("username", cmd.username), ("password", cmd.password)):
            if len(value) > LOGIN_FIELD_MAX:
                errors.add(name, f"must be at most {LOGIN_FIELD_MAX} characters")
        errors.raise_if_any()
        account, client = _key(cmd.username.strip().casefold()), _key(cmd.client)
        retry_after = await self._limiter.hit(f"login:{client}:{account}")
        if retry_after is not None:
            raise RateLimited("too many login attempts; try again later", retry_after)
        failures, window_left = await self._history.failures(account)
        if failures >= self._lockout.failures and not await self._history.knows(account, client):
            raise RateLimited(
                "too many failed logins to this account; try again later, or from a device "
                "that logged in to it before",
                window_left,
            )
        user = await self._verified(cmd)
        if user is None:
            await self._history.add_failure(account)
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        await self._history.add_success(account, client)
        if self._hasher.needs_rehash(user.password_hash):
            user = user.with_password_hash(await self._hasher.hash(cmd.password))
            await self._users.update(user)
        mfa = await self._mfa.get(user.id)
        if mfa is not None and mfa.is_on:
            challenge = self._challenges.issue(user.id, LOGIN)
            await self._tx.commit()  # a rehash
            return MfaRequired(challenge.token, challenge.expires_in)
        if self._mfa_policy.required_for_staff and user.is_staff:
            challenge = self._challenges.issue(user.id, ENROL)
            await self._tx.commit()
            raise MfaEnrolmentRequired(challenge.token, challenge.expires_in)
        pair = await self._tokens.start_session(user)
        await self._tx.commit()
        return pair

    async def _verified(self, cmd: LogInCommand) -> User | None:
        try:
            user = await self._users.get_by_username(Username(cmd.username))
        except InvalidValue:
            user = None
        if user is None or user.disabled:
            await self._hasher.waste_time(cmd.password)
            return None
        return user if await self._hasher.verify(user.password_hash, cmd.password) else None
