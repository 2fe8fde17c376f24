"""X-Forwarded-For is believed only from HERALD_TRUSTED_PROXIES, through a real uvicorn
server (its own default trusts 127.0.0.1)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.runtime import proxy_options
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.databases import migrated_empty
from tests.support.processes import free_port


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, container),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            **proxy_options(settings),
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn has no started event to wait on
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await container.close()


async def _statuses(base: str, forwarded_for: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=base) as client:
        return [
            (
                await client.post(
                    "/auth/login",
                    json={"username": "victim", "password": "guess"},
                    headers={"X-Forwarded-For": address},
                )
            ).status_code
            for address in forwarded_for
        ]


ROTATING = [f"198.51.100.{i}" for i in range(5)]


async def test_without_trusted_proxies_the_header_is_ignored(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/h.db", login_rate_limit=3)
    async with serving(settings) as base:
        assert await _statuses(base, ROTATING) == [401, 401, 401, 429, 429]


@pytest.mark.parametrize("trusted", ["127.0.0.1", "127.0.0.0/8, ::1"])
async def test_a_trusted_proxy_names_the_client(tmp_path: Path, trusted: str) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path}/h.db", login_rate_limit=3, trusted_proxies=trusted
    )
    async with serving(settings) as base:
        assert await _statuses(base, ROTATING) == [401] * 5  # five clients, one try each
        assert await _statuses(base, ["198.51.100.0"] * 3) == [401, 401, 429]
