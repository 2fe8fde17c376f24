"""Which infrastructure failures mean "try again later" rather than a bug.

A database or Redis that is down, slow or not migrated is an operator's problem that a
client should see as a 503 with Retry-After, not as a 500. The drivers raise builtins
(TimeoutError, ConnectionRefusedError), their own errors, or SQLAlchemy's wrappers of
them, so the whole chain of causes is looked at.
"""

import sqlite3
from collections.abc import Iterator

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

NOT_MIGRATED = "the database schema is not up to date; an operator must run `herald migrate`"
UNREACHABLE = "the database is not reachable or did not answer in time; try again shortly"
BUSY = "every database connection is busy; try again shortly"
BROKER_UNREACHABLE = "Redis is not reachable or did not answer in time; try again shortly"

_SCHEMA_MISSING = (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError)
_SQLITE_SCHEMA_MISSING = ("no such table", "no such column")
_DATABASE_DOWN = (
    TimeoutError,  # connect or statement timeout on the client side
    OSError,  # connection refused or reset
    asyncpg.PostgresConnectionError,
    asyncpg.QueryCanceledError,  # the server's statement_timeout
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
)


def unavailable_reason(exc: BaseException) -> str | None:
    """What to tell a client when `exc` means a backing service cannot serve right now;
    None for every other error."""
    for error in _causes(exc):
        if isinstance(error, _SCHEMA_MISSING) or (
            isinstance(error, sqlite3.OperationalError)
            and str(error).startswith(_SQLITE_SCHEMA_MISSING)
        ):
            return NOT_MIGRATED
        if isinstance(error, PoolTimeout) or (
            isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
        ):
            return BUSY
        if isinstance(error, RedisConnectionError | RedisTimeoutError):
            return BROKER_UNREACHABLE
        if isinstance(error, _DATABASE_DOWN):
            return UNREACHABLE
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen or len(seen) > 20:
            continue
        seen.add(id(error))
        yield error
        orig = error.orig if isinstance(error, DBAPIError) else None
        pending += [error.__context__, error.__cause__, orig]
