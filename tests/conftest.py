"""Shared fixtures: databases (SQLite and PostgreSQL), settings, container, app client."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from xdist.scheduler import LoadScopeScheduling

from adapters.sql.database import make_engine
from adapters.sql.direct_pool import DirectPool
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.support.databases import migrated_empty

pytest_plugins = ["tests.support.stubs.fixtures"]


class _ProcessesOneAtATime(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's scheduling for this suite: every test on its own, as `--dist load` does,
    except the tests under tests/e2e, which start real processes: they are one scope,
    run in turn by one worker while the other runs the rest, because two clusters of
    processes at once on two cores would miss their deadlines. (xdist's own
    `--dist loadgroup` relies on a node id field that pytest 9 no longer reads.)"""

    def _split_scope(self, nodeid: str) -> str:
        return "e2e" if nodeid.startswith("tests/e2e/") else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> _ProcessesOneAtATime:
    return _ProcessesOneAtATime(config, log)


PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def _postgres_reason() -> str | None:
    async def probe() -> None:
        url = PG_URL.replace("+asyncpg", "")
        try:
            conn = await asyncpg.connect(url, timeout=3)
        except asyncpg.InvalidCatalogNameError:
            # An xdist worker's database (`tests/__init__.py`) is made on first use, from
            # the server's own database.
            server, _, name = url.rpartition("/")
            conn = await asyncpg.connect(f"{server}/postgres", timeout=3)
            await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    try:
        # A thread of its own: this may be asked for while an event loop is running.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, probe()).result()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {PG_URL} unreachable: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    reason = _postgres_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return PG_URL


async def _on_the_server(sql: str) -> None:
    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """The URL of a PostgreSQL database of its own, empty (never migrated), dropped
    afterwards: for tests that run real processes."""
    name = f"herald_e2e_{uuid.uuid4().hex[:8]}"
    asyncio.run(_on_the_server(f'CREATE DATABASE "{name}"'))
    yield postgres_url.rsplit("/", 1)[0] + "/" + name
    asyncio.run(_on_the_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def migrated_database(
    request: pytest.FixtureRequest, tmp_path: Path, pool_size: int = 2
) -> AsyncIterator[tuple[AsyncEngine, DirectPool | None]]:
    """For the SQL parameters of a contract suite ("sqlite..." or "postgres..."): a freshly
    migrated database, its engine, and on PostgreSQL the direct pool."""
    postgres = str(request.param).startswith("postgres")
    url = (
        request.getfixturevalue("postgres_url")
        if postgres
        else f"sqlite+aiosqlite:///{tmp_path}/c.db"
    )
    engine = make_engine(url, pool_size=pool_size)
    await migrated_empty(engine)
    reads = await DirectPool.open(url, max_size=2) if postgres else None
    try:
        yield engine, reads
    finally:
        if reads is not None:
            await reads.close()
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/herald.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A freshly migrated database of either kind."""
    engine = make_engine(database_url, pool_size=10)
    await migrated_empty(engine)
    yield engine
    await engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for tests; `overrides` by the settings' names (`login_rate_limit` for
    HERALD_LOGIN_RATE_LIMIT), each put into its group."""
    values: dict[str, object] = {
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
        # Cheap hashing keeps the suite fast; the production cost is set by default.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "login_rate_limit": 1000,
    }
    return Settings.from_names(values | overrides)


def replace_settings(settings: Settings, **overrides: object) -> Settings:
    """`settings` with `overrides`, by the settings' names as for `make_settings`."""
    values = {k: v for group in settings.groups() for k, v in msgspec.to_builtins(group).items()}
    return Settings.from_names(values | overrides)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/herald.db"


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[AsyncContainer]:
    """The production container on a migrated SQLite file."""
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    yield container
    await container.close()


@pytest.fixture
async def client(
    settings: Settings, container: AsyncContainer
) -> AsyncIterator[AsyncTestClient[Any]]:
    """The whole app through Litestar's test client."""
    async with AsyncTestClient(create_app(settings, container)) as test_client:
        yield test_client
