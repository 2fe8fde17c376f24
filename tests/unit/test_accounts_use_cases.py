"""The account use cases, built by the container over in-memory fakes."""

from collections.abc import AsyncIterator
from dataclasses import replace

import jwt
import pytest
from dishka import AsyncContainer

from adapters.memory.accounts import InMemoryLoginHistory, InMemoryRateLimiter
from adapters.memory.transactions import InMemoryTransactionManager
from application.accounts.authenticate import Authenticate
from application.accounts.log_in import LogIn, LogInCommand
from application.accounts.log_out import LogOut
from application.accounts.purge_sessions import PurgeExpiredSessions
from application.accounts.refresh import RefreshTokens
from application.accounts.reset_password import ResetPassword, ResetPasswordCommand
from application.accounts.sign_up import CreateAdmin, SignUp, SignUpCommand
from application.accounts.tokens import TokenPair
from application.policy import require_admin
from application.ports.accounts import LoginHistory, RateLimiter, TokenIssuer
from domain.accounts import Role, Username
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from tests.conftest import TEST_SECRET
from tests.support.container import Fakes, use_cases

SECRET = TEST_SECRET  # the container's, so that a forged token differs only where it means to


class PasswordLogIn:
    """LogIn of accounts without two-factor sign-in, whose answer is always a token pair
    (tests/unit/test_accounts_mfa.py has the others)."""

    def __init__(self, log_in: LogIn) -> None:
        self._log_in = log_in

    async def __call__(self, cmd: LogInCommand) -> TokenPair:
        answer = await self._log_in(cmd)
        assert isinstance(answer, TokenPair)
        return answer


class Kit(Fakes):
    """The fakes, and the account use cases the container builds over them."""

    async def resolve(self, request: AsyncContainer) -> None:
        self.tx = await request.get(InMemoryTransactionManager)
        self.issuer = await request.get(TokenIssuer)
        self.sign_up = await request.get(SignUp)
        self.create_admin = await request.get(CreateAdmin)
        self.log_in = PasswordLogIn(await request.get(LogIn))
        self.refresh = await request.get(RefreshTokens)
        self.log_out = await request.get(LogOut)
        self.authenticate = await request.get(Authenticate)
        self.reset_password = await request.get(ResetPassword)
        self.purge_sessions = await request.get(PurgeExpiredSessions)
        # One process's limits, as the container binds them without Redis.
        limiter, history = await request.get(RateLimiter), await request.get(LoginHistory)
        assert isinstance(limiter, InMemoryRateLimiter)
        assert isinstance(history, InMemoryLoginHistory)
        self.limiter, self.history = limiter, history


@pytest.fixture
async def kit() -> AsyncIterator[Kit]:
    kit = Kit()
    # Three tries per client and username a minute; five failures lock an account.
    async with use_cases(kit, login_rate_limit=3, login_account_failure_limit=5) as request:
        await kit.resolve(request)
        yield kit


async def test_sign_up_creates_a_user_and_commits(kit: Kit) -> None:
    user = await kit.sign_up(SignUpCommand("Ann", "password123"))
    assert user.username == Username("ann")
    assert user.role is Role.USER
    assert user.password_hash == "hash:v1:password123"
    assert kit.tx.commits == 1


async def test_sign_up_refuses_taken_username_case_insensitively(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    with pytest.raises(Conflict, match="taken"):
        await kit.sign_up(SignUpCommand("ANN", "password456"))


async def test_sign_up_reports_every_bad_field(kit: Kit) -> None:
    with pytest.raises(InvalidInput) as caught:
        await kit.sign_up(SignUpCommand("a", "short"))
    assert {e.field for e in caught.value.errors} == {"username", "password"}


async def test_create_admin_makes_an_admin(kit: Kit) -> None:
    admin = await kit.create_admin(SignUpCommand("root", "password123"))
    assert admin.role is Role.ADMIN
    assert await kit.users.any_admin()


async def test_log_in_and_authenticate(kit: Kit) -> None:
    user = await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ANN", "password123", "1.2.3.4"))
    principal = await kit.authenticate(pair.access_token)
    assert principal.user.id == user.id
    assert principal.claims.role is Role.USER
    assert pair.token_type == "bearer"
    assert pair.expires_in == 900
    with pytest.raises(PermissionDenied):
        require_admin(principal.user)


@pytest.mark.parametrize(
    ("username", "password"),
    [("ann", "wrong-password"), ("nobody", "password123"), ("x", "password123")],
)
async def test_log_in_failures_look_the_same(kit: Kit, username: str, password: str) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    before = kit.hasher.verifications
    with pytest.raises(AuthenticationFailed, match="invalid username or password"):
        await kit.log_in(LogInCommand(username, password, "1.2.3.4"))
    # every failure path spends one password verification, known user or not
    assert kit.hasher.verifications == before + 1


async def test_log_in_is_rate_limited_per_client_and_username(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            await kit.log_in(LogInCommand("ann", "nope-nope", "1.2.3.4"))
    with pytest.raises(RateLimited) as caught:
        await kit.log_in(LogInCommand("ann", "password123", "1.2.3.4"))
    assert caught.value.retry_after_seconds == 60
    # another client is not affected
    await kit.log_in(LogInCommand("ann", "password123", "5.6.7.8"))


async def test_failures_from_many_addresses_stop_new_clients_but_not_known_ones(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    await kit.log_in(LogInCommand("ann", "password123", "10.0.0.1"))  # the owner's laptop
    for guess in range(5):  # a guesser on five addresses, under the per-client limit
        with pytest.raises(AuthenticationFailed):
            await kit.log_in(LogInCommand("ann", f"guess-{guess}", f"198.51.100.{guess}"))
    with pytest.raises(RateLimited, match="failed logins to this account") as caught:
        await kit.log_in(LogInCommand("ann", "password123", "203.0.113.9"))  # a new address
    assert caught.value.retry_after_seconds == 900
    before = kit.hasher.verifications
    with pytest.raises(RateLimited):
        await kit.log_in(LogInCommand("ann", "guess-6", "198.51.100.6"))
    assert kit.hasher.verifications == before  # refused before any password was checked
    # The owner, from the laptop that logged in before, is not locked out.
    await kit.log_in(LogInCommand("ANN", "password123", "10.0.0.1"))


async def test_an_unknown_username_is_locked_the_same_way(kit: Kit) -> None:
    for guess in range(5):
        with pytest.raises(AuthenticationFailed):
            await kit.log_in(LogInCommand("nobody", f"guess-{guess}", f"198.51.100.{guess}"))
    with pytest.raises(RateLimited, match="failed logins to this account"):
        await kit.log_in(LogInCommand("nobody", "x", "203.0.113.9"))


async def test_limiter_and_history_keys_never_hold_the_username(kit: Kit) -> None:
    secret_name = "ann-" + "x" * 28
    with pytest.raises(AuthenticationFailed):
        await kit.log_in(LogInCommand(secret_name, "password123", "192.0.2.1"))
    keys = [*kit.limiter._windows, *kit.history._failures]
    assert len(keys) == 2
    assert all(secret_name not in key and "192.0.2.1" not in key for key in keys)
    assert all(len(key) <= 80 for key in keys)  # hashes, whatever was sent


async def test_over_long_credentials_are_refused_before_any_work(kit: Kit) -> None:
    with pytest.raises(InvalidInput) as caught:
        await kit.log_in(LogInCommand("a" * 1_000_000, "x" * 257, "192.0.2.1"))
    assert {e.field for e in caught.value.errors} == {"username", "password"}
    assert kit.hasher.verifications == 0
    assert not kit.limiter._windows


async def test_reset_password_replaces_the_hash_and_ends_every_session(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ann", "password123", "c"))
    reset = kit.reset_password
    user = await reset(ResetPasswordCommand("Ann", "new-password-456"))
    assert user.password_hash == "hash:v1:new-password-456"
    with pytest.raises(AuthenticationFailed):
        await kit.authenticate(pair.access_token)
    with pytest.raises(AuthenticationFailed):
        await kit.refresh(pair.refresh_token)
    with pytest.raises(AuthenticationFailed):
        await kit.log_in(LogInCommand("ann", "password123", "c"))
    await kit.log_in(LogInCommand("ann", "new-password-456", "c"))
    with pytest.raises(NotFound, match="no user named 'bob'"):
        await reset(ResetPasswordCommand("bob", "new-password-456"))
    with pytest.raises(InvalidInput) as weak:
        await reset(ResetPasswordCommand("ann", "short"))
    assert [e.field for e in weak.value.errors] == ["password"]


async def test_log_in_rehashes_outdated_hashes(kit: Kit) -> None:
    user = await kit.sign_up(SignUpCommand("ann", "password123"))
    kit.hasher.version = 2
    await kit.log_in(LogInCommand("ann", "password123", "c"))
    stored = await kit.users.get(user.id)
    assert stored is not None
    assert stored.password_hash == "hash:v2:password123"


async def test_disabled_user_cannot_log_in_or_use_tokens(kit: Kit) -> None:
    user = await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ann", "password123", "c"))
    await kit.users.update(replace(user, disabled=True))
    with pytest.raises(AuthenticationFailed):
        await kit.authenticate(pair.access_token)
    with pytest.raises(AuthenticationFailed):
        await kit.log_in(LogInCommand("ann", "password123", "c"))
    with pytest.raises(AuthenticationFailed):
        await kit.refresh(pair.refresh_token)


async def test_refresh_rotates_and_reuse_revokes_the_family(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    first = await kit.log_in(LogInCommand("ann", "password123", "c"))
    second = await kit.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    await kit.authenticate(second.access_token)
    # the rotated token comes back: theft is assumed, the whole session dies
    with pytest.raises(AuthenticationFailed):
        await kit.refresh(first.refresh_token)
    with pytest.raises(AuthenticationFailed):
        await kit.refresh(second.refresh_token)
    with pytest.raises(AuthenticationFailed, match="session has ended"):
        await kit.authenticate(second.access_token)


async def test_refresh_refuses_unknown_and_expired_tokens(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ann", "password123", "c"))
    with pytest.raises(AuthenticationFailed):
        await kit.refresh("not-a-token")
    kit.clock.advance(days=15)
    with pytest.raises(AuthenticationFailed):
        await kit.refresh(pair.refresh_token)


async def test_log_out_ends_access_and_refresh(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ann", "password123", "c"))
    principal = await kit.authenticate(pair.access_token)
    await kit.log_out(principal.claims.session_id)
    await kit.log_out(principal.claims.session_id)  # twice is harmless
    with pytest.raises(AuthenticationFailed):
        await kit.authenticate(pair.access_token)
    with pytest.raises(AuthenticationFailed):
        await kit.refresh(pair.refresh_token)


async def test_other_logins_survive_a_log_out(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    phone = await kit.log_in(LogInCommand("ann", "password123", "c"))
    laptop = await kit.log_in(LogInCommand("ann", "password123", "c"))
    await kit.log_out((await kit.authenticate(phone.access_token)).claims.session_id)
    assert (await kit.authenticate(laptop.access_token)).user.username == Username("ann")


def _forge(claims: dict[str, object], case: str) -> str:
    other_key = "another-secret-0123456789-abcdefghijk-0123456789-abcdefghijk"
    match case:
        case "none algorithm":
            return jwt.encode(claims, "", algorithm="none")
        case "wrong key":
            return jwt.encode(claims, other_key, algorithm="HS256")
        case "other algorithm":
            return jwt.encode(claims, SECRET + SECRET, algorithm="HS512")
        case "missing jti":
            return jwt.encode({k: v for k, v in claims.items() if k != "jti"}, SECRET)
        case "string exp":
            return jwt.encode({**claims, "exp": str(claims["exp"])}, SECRET)
        case "garbage":
            return "not.a.jwt"
    key, value = case.split("=")
    return jwt.encode({**claims, key: value}, SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "case",
    [
        "none algorithm",
        "wrong key",
        "other algorithm",
        "missing jti",
        "string exp",
        "garbage",
        "aud=other",
        "iss=other",
        "sub=not-a-uuid",
        "role=emperor",
    ],
)
async def test_forged_access_tokens_are_refused(kit: Kit, case: str) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ann", "password123", "c"))
    claims = jwt.decode(pair.access_token, options={"verify_signature": False})
    assert set(claims) >= {"sub", "role", "exp", "iat", "jti", "iss", "aud"}
    with pytest.raises(AuthenticationFailed):
        await kit.authenticate(_forge(claims, case))


async def test_expired_and_future_access_tokens_are_refused(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ann", "password123", "c"))
    kit.clock.advance(minutes=16)
    with pytest.raises(AuthenticationFailed):
        await kit.authenticate(pair.access_token)
    kit.clock.advance(minutes=-32)  # now the token was issued 16 minutes in the future
    with pytest.raises(AuthenticationFailed):
        await kit.authenticate(pair.access_token)


async def test_purge_expired_sessions(kit: Kit) -> None:
    await kit.sign_up(SignUpCommand("ann", "password123"))
    pair = await kit.log_in(LogInCommand("ann", "password123", "c"))
    purge = kit.purge_sessions
    assert await purge() == 0
    kit.clock.advance(days=15)
    assert await purge() == 1
    assert (
        await kit.sessions.get_token_by_hash(kit.issuer.hash_refresh_token(pair.refresh_token))
        is None
    )
