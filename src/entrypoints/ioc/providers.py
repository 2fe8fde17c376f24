"""Bindings, grouped by layer; one binding per line."""

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, from_context, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.argon2.accounts import Argon2PasswordHasher
from adapters.cachetools.accounts import CachingSessionReader, SessionCache
from adapters.clock import SystemClock
from adapters.jwt.accounts import JwtTokenIssuer
from adapters.memory.accounts import InMemoryLoginHistory, InMemoryRateLimiter
from adapters.redis.accounts import RedisLoginHistory, RedisRateLimiter
from adapters.sql.accounts import SqlSessionReader, SqlSessionRepository, SqlUserRepository
from adapters.sql.database import is_sqlite, make_engine, make_session_factory
from adapters.sql.read_pool import ReadPool
from adapters.sql.transactions import SqlTransactionManager
from application.accounts.authenticate import Authenticate
from application.accounts.log_in import AccountLockout, LogIn
from application.accounts.log_out import LogOut
from application.accounts.purge_sessions import PurgeExpiredSessions
from application.accounts.refresh import RefreshTokens
from application.accounts.reset_password import ResetPassword
from application.accounts.sign_up import CreateAdmin, SignUp
from application.accounts.tokens import TokenPairFactory, TokenPolicy
from application.ports.accounts import (
    LoginHistory,
    PasswordHasher,
    RateLimiter,
    SessionReader,
    SessionRepository,
    TokenIssuer,
    UserRepository,
)
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from entrypoints.settings import Settings


class InfrastructureProvider(Provider):
    scope = Scope.APP

    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(
            settings.database_url, pool_size=settings.db_pool_size, timeouts=settings.db_timeouts
        )
        yield engine
        await engine.dispose()

    @provide
    async def read_pool(self, settings: Settings) -> AsyncIterator[ReadPool | None]:
        if is_sqlite(settings.database_url):
            yield None
            return
        pool = await ReadPool.open(
            settings.database_url, max_size=settings.db_pool_size, timeouts=settings.db_timeouts
        )
        yield pool
        await pool.close()

    @provide
    def session_factory(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return make_session_factory(engine)

    @provide(scope=Scope.REQUEST)
    async def session(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        # Closing rolls back whatever the use case did not commit.
        async with factory() as session:
            yield session

    @provide
    async def redis(self, settings: Settings) -> AsyncIterator[Redis | None]:
        if settings.redis_url is None:
            yield None
            return
        client = Redis.from_url(settings.redis_url)
        yield client
        await client.aclose()


class AdapterProvider(Provider):
    scope = Scope.APP

    clock = provide(SystemClock, provides=Clock)
    users = provide(SqlUserRepository, provides=UserRepository, scope=Scope.REQUEST)
    sessions = provide(SqlSessionRepository, provides=SessionRepository, scope=Scope.REQUEST)

    @provide
    def session_cache(self, settings: Settings) -> SessionCache:
        return SessionCache(settings.auth_cache_seconds)

    @provide
    def session_reader(
        self, engine: AsyncEngine, reads: ReadPool | None, cache: SessionCache
    ) -> SessionReader:
        return CachingSessionReader(SqlSessionReader(engine, reads), cache)

    tx = provide(SqlTransactionManager, provides=TransactionManager, scope=Scope.REQUEST)

    @provide
    def hasher(self, settings: Settings) -> PasswordHasher:
        return Argon2PasswordHasher(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )

    @provide
    def token_issuer(self, settings: Settings, clock: Clock) -> TokenIssuer:
        assert settings.jwt_secret, (
            "the entrypoint resolves the secret before building the container"
        )
        return JwtTokenIssuer(
            secret=settings.jwt_secret,
            algorithm=settings.jwt_algorithm,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            clock=clock,
        )

    @provide
    def rate_limiter(self, settings: Settings, redis: Redis | None) -> RateLimiter:
        if redis is None:
            return InMemoryRateLimiter(
                settings.login_rate_limit, settings.login_rate_window_seconds
            )
        return RedisRateLimiter(
            redis, settings.login_rate_limit, settings.login_rate_window_seconds
        )

    @provide
    def login_history(self, settings: Settings, redis: Redis | None) -> LoginHistory:
        window = settings.login_account_window_seconds
        remember = settings.login_known_client_days * 86400
        if redis is None:
            return InMemoryLoginHistory(window, remember)
        return RedisLoginHistory(redis, window, remember)


class UseCaseProvider(Provider):
    scope = Scope.REQUEST

    token_pairs = provide(TokenPairFactory)
    sign_up = provide(SignUp)
    create_admin = provide(CreateAdmin)
    log_in = provide(LogIn)
    refresh = provide(RefreshTokens)
    log_out = provide(LogOut)
    authenticate = provide(Authenticate, scope=Scope.APP)  # stateless: built once
    purge_sessions = provide(PurgeExpiredSessions)
    reset_password = provide(ResetPassword)

    @provide(scope=Scope.APP)
    def lockout(self, settings: Settings) -> AccountLockout:
        return AccountLockout(settings.login_account_failure_limit)

    @provide(scope=Scope.APP)
    def token_policy(self, settings: Settings) -> TokenPolicy:
        return TokenPolicy(refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds))
