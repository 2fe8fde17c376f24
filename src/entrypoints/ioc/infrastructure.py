"""Bindings every capability shares: settings (whole and by group), the database (engine,
its dialect, sessions, the direct pool), Redis, the clock, the jitter of retries, the unit of
work with its domain events, the Taskiq broker, and the metrics registry a scrape reads."""

import random
from collections.abc import AsyncIterator

from dishka import AsyncContainer, Provider, Scope, from_context, provide
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import AsyncBroker

from adapters.clock import SystemClock
from adapters.sql.database import make_engine, make_session_factory
from adapters.sql.dialect import SqlDialect, dialect_of
from adapters.sql.direct_pool import DirectPool
from adapters.sql.transactions import SqlTransactionManager
from application.events import DomainEvents
from application.ports.clock import Clock
from application.ports.randomness import Jitter
from application.ports.transactions import TransactionManager
from entrypoints.scrape import Scrape, process_collector
from entrypoints.settings import (
    AccountsSettings,
    DatabaseSettings,
    DatapointsSettings,
    DeliverySettings,
    ErrorReportingSettings,
    HeartbeatSettings,
    HttpSettings,
    LoggingSettings,
    MetricsSettings,
    ModeSettings,
    PhoneLookupSettings,
    SendGridSettings,
    Settings,
    SmtpSettings,
    TwilioSettings,
)
from entrypoints.tasks.broker import make_broker


class InfrastructureProvider(Provider):
    scope = Scope.APP

    settings = from_context(provides=Settings, scope=Scope.APP)
    mode = from_context(provides=ModeSettings, scope=Scope.APP)
    database = from_context(provides=DatabaseSettings, scope=Scope.APP)
    accounts = from_context(provides=AccountsSettings, scope=Scope.APP)
    http = from_context(provides=HttpSettings, scope=Scope.APP)
    delivery = from_context(provides=DeliverySettings, scope=Scope.APP)
    twilio = from_context(provides=TwilioSettings, scope=Scope.APP)
    sendgrid = from_context(provides=SendGridSettings, scope=Scope.APP)
    smtp = from_context(provides=SmtpSettings, scope=Scope.APP)
    phone_lookup = from_context(provides=PhoneLookupSettings, scope=Scope.APP)
    datapoints = from_context(provides=DatapointsSettings, scope=Scope.APP)
    logging = from_context(provides=LoggingSettings, scope=Scope.APP)
    error_reporting = from_context(provides=ErrorReportingSettings, scope=Scope.APP)
    metrics = from_context(provides=MetricsSettings, scope=Scope.APP)
    heartbeat = from_context(provides=HeartbeatSettings, scope=Scope.APP)

    @provide
    async def engine(self, database: DatabaseSettings) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(database.url, pool_size=database.pool_size, timeouts=database.timeouts)
        yield engine
        await engine.dispose()

    @provide
    def dialect(self, engine: AsyncEngine) -> SqlDialect:
        """Asked here once: the capabilities' bindings pick their adapters by it."""
        return dialect_of(engine)

    @provide
    async def direct_pool(
        self, database: DatabaseSettings, dialect: SqlDialect
    ) -> AsyncIterator[DirectPool | None]:
        """None on SQLite, which reads through the engine."""
        if not dialect.is_postgresql:
            yield None
            return
        pool = await DirectPool.open(
            database.url, max_size=database.direct_pool_size, timeouts=database.timeouts
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
        session = factory()
        yield session
        # Closing rolls back whatever the use case did not commit. A session that holds
        # no transaction holds no connection either: closing it would only cost time
        # (16 µs of CPU, on requests whose reads and writes took the direct pool).
        if session.in_transaction():
            await session.close()

    @provide
    async def redis(self, mode: ModeSettings) -> AsyncIterator[Redis | None]:
        if mode.redis_url is None:
            yield None
            return
        client = Redis.from_url(mode.redis_url)
        yield client
        await client.aclose()

    @provide
    def broker(self, settings: Settings, container: AsyncContainer) -> AsyncBroker:
        """This process's Taskiq broker, every task registered: the one use cases queue
        work on and a worker receives from. Whoever runs the process starts and stops it."""
        return make_broker(settings, container)

    clock = provide(SystemClock, provides=Clock)

    @provide
    def jitter(self) -> Jitter:
        return random.random

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
    def scrape(self, metrics: MetricsSettings, registry: CollectorRegistry) -> Scrape:
        return Scrape(metrics.token, process_collector(registry))
