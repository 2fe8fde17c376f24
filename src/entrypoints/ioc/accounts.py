"""Bindings of accounts: users, sessions, passwords, tokens, the login limits, two-factor
sign-in and the account use cases."""

from datetime import timedelta

from dishka import Provider, Scope, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.argon2.accounts import Argon2PasswordHasher
from adapters.cachetools.accounts import CachingSessionReader, SessionCache
from adapters.cryptography.accounts import AesGcmSecretBox
from adapters.jwt.accounts import JwtMfaChallenges, JwtTokenIssuer
from adapters.memory.accounts import InMemoryLoginHistory, InMemoryRateLimiter
from adapters.pyotp.accounts import PyotpTotp
from adapters.redis.accounts import RedisLoginHistory, RedisRateLimiter
from adapters.sql.accounts import (
    PostgresSessionReader,
    SqlMfaRepository,
    SqlSessionReader,
    SqlSessionRepository,
    SqlUserRepository,
)
from adapters.sql.direct_pool import DirectPool
from application.accounts.authenticate import Authenticate
from application.accounts.change_password import ChangePassword
from application.accounts.complete_mfa_login import CompleteMfaLogin
from application.accounts.confirm_mfa import ConfirmMfa
from application.accounts.disable_mfa import DisableMfa
from application.accounts.get_mfa_status import GetMfaStatus
from application.accounts.list_users import ListUsers
from application.accounts.log_in import AccountLockout, LogIn
from application.accounts.log_out import LogOut
from application.accounts.mfa import ChallengedUser, MfaPolicy, SecondFactor
from application.accounts.purge_sessions import PurgeExpiredSessions
from application.accounts.refresh import RefreshTokens
from application.accounts.reset_password import ResetPassword
from application.accounts.sign_up import CreateAdmin, SignUp
from application.accounts.start_mfa import StartMfaEnrolment
from application.accounts.tokens import TokenPairFactory, TokenPolicy
from application.accounts.update_user import UpdateUser
from application.ports.accounts import (
    LoginHistory,
    MfaChallenges,
    MfaFailures,
    MfaRepository,
    MfaSecretBox,
    PasswordHasher,
    RateLimiter,
    SessionReader,
    SessionRepository,
    TokenIssuer,
    Totp,
    UserRepository,
)
from application.ports.clock import Clock
from entrypoints.settings import AccountsSettings


class AccountsProvider(Provider):
    scope = Scope.APP

    users = provide(SqlUserRepository, provides=UserRepository, scope=Scope.REQUEST)
    sessions = provide(SqlSessionRepository, provides=SessionRepository, scope=Scope.REQUEST)
    mfa = provide(SqlMfaRepository, provides=MfaRepository, scope=Scope.REQUEST)
    totp = provide(PyotpTotp, provides=Totp)

    @provide
    def session_cache(self, accounts: AccountsSettings) -> SessionCache:
        return SessionCache(accounts.auth_cache_seconds)

    @provide
    def session_reader(
        self, engine: AsyncEngine, reads: DirectPool | None, cache: SessionCache
    ) -> SessionReader:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        reader = PostgresSessionReader(reads) if reads is not None else SqlSessionReader(engine)
        return CachingSessionReader(reader, cache)

    @provide
    def hasher(self, accounts: AccountsSettings) -> PasswordHasher:
        return Argon2PasswordHasher(
            accounts.argon2_time_cost, accounts.argon2_memory_kib, accounts.argon2_parallelism
        )

    @provide
    def token_issuer(self, accounts: AccountsSettings, clock: Clock) -> TokenIssuer:
        assert accounts.jwt_secret, (
            "the entrypoint resolves the secret before building the container"
        )
        return JwtTokenIssuer(
            secret=accounts.jwt_secret,
            algorithm=accounts.jwt_algorithm,
            issuer=accounts.jwt_issuer,
            audience=accounts.jwt_audience,
            access_ttl=timedelta(seconds=accounts.access_token_ttl_seconds),
            clock=clock,
        )

    @provide
    def rate_limiter(self, accounts: AccountsSettings, redis: Redis | None) -> RateLimiter:
        if redis is None:
            return InMemoryRateLimiter(
                accounts.login_rate_limit, accounts.login_rate_window_seconds
            )
        return RedisRateLimiter(
            redis, accounts.login_rate_limit, accounts.login_rate_window_seconds
        )

    @provide
    def login_history(self, accounts: AccountsSettings, redis: Redis | None) -> LoginHistory:
        window = accounts.login_account_window_seconds
        remember = accounts.login_known_client_days * 86400
        if redis is None:
            return InMemoryLoginHistory(window, remember)
        return RedisLoginHistory(redis, window, remember)

    @provide
    def mfa_secret_box(self, accounts: AccountsSettings) -> MfaSecretBox:
        key = accounts.mfa_key or accounts.jwt_secret
        assert key, "the entrypoint resolves the secret before building the container"
        return AesGcmSecretBox(key)

    @provide
    def mfa_challenges(self, accounts: AccountsSettings, clock: Clock) -> MfaChallenges:
        assert accounts.jwt_secret, (
            "the entrypoint resolves the secret before building the container"
        )
        return JwtMfaChallenges(
            secret=accounts.jwt_secret,
            algorithm=accounts.jwt_algorithm,
            issuer=accounts.jwt_issuer,
            ttl=timedelta(seconds=accounts.mfa_challenge_seconds),
            clock=clock,
        )

    @provide
    def mfa_failures(self, accounts: AccountsSettings, redis: Redis | None) -> MfaFailures:
        # The login history's failure counter, with a window of its own (its memory of
        # known clients goes unused).
        window = accounts.mfa_failure_window_seconds
        if redis is None:
            return InMemoryLoginHistory(window, 1)
        return RedisLoginHistory(redis, window, 1, prefix="herald:mfa:")

    @provide(scope=Scope.APP)
    def mfa_policy(self, accounts: AccountsSettings) -> MfaPolicy:
        return MfaPolicy(
            max_failures=accounts.mfa_failure_limit,
            required_for_staff=accounts.mfa_required_for_staff,
        )

    challenged_user = provide(ChallengedUser, scope=Scope.REQUEST)
    second_factor = provide(SecondFactor, scope=Scope.REQUEST)
    start_mfa = provide(StartMfaEnrolment, scope=Scope.REQUEST)
    confirm_mfa = provide(ConfirmMfa, scope=Scope.REQUEST)
    disable_mfa = provide(DisableMfa, scope=Scope.REQUEST)
    complete_mfa_login = provide(CompleteMfaLogin, scope=Scope.REQUEST)
    get_mfa_status = provide(GetMfaStatus, scope=Scope.REQUEST)
    token_pairs = provide(TokenPairFactory, scope=Scope.REQUEST)
    sign_up = provide(SignUp, scope=Scope.REQUEST)
    create_admin = provide(CreateAdmin, scope=Scope.REQUEST)
    log_in = provide(LogIn, scope=Scope.REQUEST)
    refresh = provide(RefreshTokens, scope=Scope.REQUEST)
    log_out = provide(LogOut, scope=Scope.REQUEST)
    authenticate = provide(Authenticate, scope=Scope.APP)  # stateless: built once
    purge_sessions = provide(PurgeExpiredSessions, scope=Scope.REQUEST)
    reset_password = provide(ResetPassword, scope=Scope.REQUEST)
    list_users = provide(ListUsers, scope=Scope.REQUEST)
    update_user = provide(UpdateUser, scope=Scope.REQUEST)
    change_password = provide(ChangePassword, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    def lockout(self, accounts: AccountsSettings) -> AccountLockout:
        return AccountLockout(accounts.login_account_failure_limit)

    @provide(scope=Scope.APP)
    def token_policy(self, accounts: AccountsSettings) -> TokenPolicy:
        return TokenPolicy(refresh_ttl=timedelta(seconds=accounts.refresh_token_ttl_seconds))
