"""Engine and session factory for SQLite (embedded default) and PostgreSQL (asyncpg)."""

from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from adapters.sql.fair_pool import FairAsyncPool

SQLITE_BUSY_TIMEOUT_MS = 5000


# A statement that outlives the server's statement_timeout by this much is given up by the
# client too: that covers a server (or a network) that stopped answering altogether.
_CLIENT_GRACE_SECONDS = 2.0


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


@dataclass(frozen=True, slots=True)
class DatabaseTimeouts:
    """How long PostgreSQL work may take, in seconds; without them a server that accepts
    connections and never answers holds every request for asyncpg's 60 s connect timeout."""

    connect: float = 5.0  # opening a connection, handshake and authentication included
    statement: float = 0.0  # one statement, enforced by the server and the client; 0: none
    checkout: float = 30.0  # waiting for a free pooled connection

    def asyncpg_options(self) -> dict[str, Any]:
        """Connection arguments for asyncpg (through SQLAlchemy or its own pool)."""
        options: dict[str, Any] = {"timeout": self.connect}
        if self.statement:
            options["command_timeout"] = self.statement + _CLIENT_GRACE_SECONDS
            options["server_settings"] = {"statement_timeout": str(int(self.statement * 1000))}
        return options


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    timeouts: DatabaseTimeouts = DatabaseTimeouts(),
    echo: bool = False,
) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A fixed pool, first come first served (fair_pool.py). Fixed: an overflow connection
    # is opened for one checkout and closed after it, and under load that churn (a TCP
    # and auth handshake, then every statement prepared again) cost more than waiting for
    # a pooled connection. No pre-ping: it costs a round trip on every checkout. A
    # connection that died is invalidated on its first error, and connections are
    # recycled every half hour.
    return create_async_engine(
        url,
        echo=echo,
        poolclass=FairAsyncPool,
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=1800,
        pool_timeout=timeouts.checkout,
        connect_args=timeouts.asyncpg_options(),
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; the busy timeout makes a writer wait
    # for the lock instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def driver_connection(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a SQLAlchemy one, for COPY."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert isinstance(driver, asyncpg.Connection)
    return driver
