"""Bindings every capability shares: settings, the database (engine, its dialect, sessions,
the read pool), Redis, the clock, the unit of work with its domain events, and the
metrics registry a scrape reads."""

from collections.abc import AsyncIterator

from dishka import Provider, Scope, from_context, provide
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.clock import SystemClock
from adapters.sql.database import make_engine, make_session_factory
from adapters.sql.dialect import SqlDialect, dialect_of
from adapters.sql.read_pool import ReadPool
from adapters.sql.transactions import SqlTransactionManager
from application.events import DomainEvents
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from entrypoints.scrape import Scrape, process_collector
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
    def dialect(self, engine: AsyncEngine) -> SqlDialect:
        """Asked here once: the capabilities' bindings pick their adapters by it."""
        return dialect_of(engine)

    @provide
    async def read_pool(
        self, settings: Settings, dialect: SqlDialect
    ) -> AsyncIterator[ReadPool | None]:
        """None on SQLite, which reads through the engine."""
        if not dialect.is_postgresql:
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

    clock = provide(SystemClock, provides=Clock)
    tx = provide(SqlTransactionManager, provides=TransactionManager, scope=Scope.REQUEST)
    # One dispatcher per unit of work; each capability's bindings subscribe its handlers
    # to it (a dishka decorator), so they run on the same session as the use case.
    domain_events = provide(DomainEvents, scope=Scope.REQUEST)

    @provide
    def registry(self) -> CollectorRegistry:
        """This container's own: the delivery and dispatch metrics register in it when
        the use cases first need them, so a process exposes only those of its own work
        (a worker its sends, the scheduler its dispatcher, the embedded default both)."""
        return CollectorRegistry()

    @provide
    def scrape(self, settings: Settings, registry: CollectorRegistry) -> Scrape:
        return Scrape(settings.metrics_token, process_collector(registry))
