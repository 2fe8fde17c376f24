"""Ready means ready: an unmigrated, unreachable or silent database (or Redis) gives a 503
problem with Retry-After, within seconds, never a 500 or a minute-long hang."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.availability import UNREACHABLE, unavailable_reason
from adapters.sql.database import DatabaseTimeouts, make_engine
from adapters.sql.migrate import heads, upgrade
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.databases import reset_postgres
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
CREDENTIALS = {"username": "ann", "password": "password123"}


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[Client]:
    container = make_container(settings)
    try:
        async with AsyncTestClient(create_app(settings, container)) as client:
            yield client
    finally:
        await container.close()


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_unavailable(response: Any, detail: str) -> None:
    body = assert_problem(response, 503)
    assert detail in body["detail"]
    assert response.headers["retry-after"] == "5"


async def test_there_is_exactly_one_migration_head() -> None:
    assert len(heads()) == 1, heads()


async def test_an_unmigrated_database_is_not_ready_and_answers_503(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        engine = make_engine(database_url)
        await reset_postgres(engine)
        await engine.dispose()
    async with app_client(make_settings(database_url)) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["checks"] == {"database": "ok", "broker": "ok", "schema": "behind"}
        assert body["pending_migrations"][0] == "0001"
        assert body["pending_migrations"][-1] == heads()[0]
        assert_unavailable(await client.post("/auth/signup", json=CREDENTIALS), "herald migrate")
        assert_unavailable(await client.post("/auth/login", json=CREDENTIALS), "herald migrate")


async def test_a_database_one_revision_behind_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/behind.db"
    engine = make_engine(url)
    await upgrade(engine, "0002")
    await engine.dispose()
    async with app_client(make_settings(url)) as client:
        body = (await client.get("/health/ready")).json()
    assert body["status"] == "unavailable"
    assert "0002" not in body["pending_migrations"]
    assert heads()[0] in body["pending_migrations"]


async def test_a_silent_database_gives_503_within_seconds() -> None:
    async with silent_server() as port:
        settings = make_settings(
            f"postgresql+asyncpg://herald@127.0.0.1:{port}/herald",
            db_connect_timeout_seconds=1.0,
            db_pool_timeout_seconds=1.0,
        )
        async with app_client(settings) as client:
            started = time.monotonic()
            ready = await client.get("/health/ready")
            ready_seconds = time.monotonic() - started
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"] == "unavailable"
            started = time.monotonic()
            login = await client.post("/auth/login", json=CREDENTIALS)
            login_seconds = time.monotonic() - started
            assert_unavailable(login, "did not answer in time")
    # Bounds, not benchmarks: the point is seconds rather than asyncpg's 60 s default.
    assert ready_seconds < 2.5
    assert login_seconds < 4


async def test_a_refused_database_and_a_refused_redis_give_503(tmp_path: Path) -> None:
    settings = make_settings(
        f"postgresql+asyncpg://herald@127.0.0.1:{closed_port()}/herald",
        broker_url=f"redis://127.0.0.1:{closed_port()}/0",
    )
    async with app_client(settings) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {
            "database": "unavailable",
            "broker": "unavailable",
            "schema": "unavailable",
        }
        # Login meets Redis (its rate limit) first, signup the database.
        assert_unavailable(await client.post("/auth/login", json=CREDENTIALS), "Redis")
        assert_unavailable(await client.post("/auth/signup", json=CREDENTIALS), "database")


async def test_a_statement_over_the_timeout_is_cancelled_by_the_server(postgres_url: str) -> None:
    engine = make_engine(postgres_url, timeouts=DatabaseTimeouts(statement=0.2))
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as slow:
                await conn.execute(text("SELECT pg_sleep(2)"))
            assert unavailable_reason(slow.value) == UNREACHABLE
            await conn.rollback()
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1  # still usable
    finally:
        await engine.dispose()
