"""Both PostgreSQL pools hand connections out in the order they were asked for: a
checkout that comes while others wait joins the back (SQLAlchemy's and asyncpg's own
queues let it take a just-returned connection first, which starved waiters under load)."""

import asyncio
import itertools
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters.sql.database import make_engine
from adapters.sql.direct_pool import DirectPool


async def test_a_checkout_waits_behind_the_requests_already_waiting(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=2)
    order: list[str] = []

    async def checkout(name: str) -> None:
        async with engine.connect() as conn:
            order.append(name)
            await conn.execute(text("SELECT 1"))

    try:
        held, other = await engine.connect(), await engine.connect()
        waiting = []
        for name in ("first", "second", "third"):
            waiting.append(asyncio.create_task(checkout(name)))
            await asyncio.sleep(0.02)  # each waits before the next comes
        assert order == []
        await held.close()
        # In the same turn as the return: SQLAlchemy's queue would give it the connection.
        await checkout("newcomer")
        await other.close()
        await asyncio.gather(*waiting)
        assert order == ["first", "second", "third", "newcomer"]
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


class _NotedCheckouts:
    """An asyncpg pool that notes, in order, the ticket of each caller it hands a connection."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.ticket_of: dict[asyncio.Task[None] | None, int] = {}
        self.order: list[int] = []

    def acquire(self) -> "_NotedCheckout":
        return _NotedCheckout(self._pool.acquire(), self)

    async def close(self) -> None:
        await self._pool.close()


class _NotedCheckout:
    def __init__(self, checkout: Any, noted: _NotedCheckouts) -> None:
        self._checkout, self._noted = checkout, noted

    async def __aenter__(self) -> asyncpg.Connection:
        connection = await self._checkout.__aenter__()
        self._noted.order.append(self._noted.ticket_of[asyncio.current_task()])
        return connection

    async def __aexit__(self, *exc: object) -> None:
        await self._checkout.__aexit__(*exc)


async def test_the_direct_pool_serves_its_callers_in_turn(postgres_url: str) -> None:
    """20 callers reading in a loop over 2 connections get them in the order they asked.
    Counted at checkout, not at completion: a connection the machine stalls for a moment
    lets the other serve many reads meanwhile, which is no unfairness. With asyncpg's own
    queue (a turnstile wider than the pool) a read was overtaken by dozens. Both connections
    are open first: one opening slower than the other is no unfairness either."""
    noted = _NotedCheckouts(
        await asyncpg.create_pool(_asyncpg_dsn(postgres_url), min_size=2, max_size=2)
    )
    pool = DirectPool(noted, max_size=2)
    tickets = itertools.count()

    async def caller() -> None:
        for _ in range(30):
            noted.ticket_of[asyncio.current_task()] = next(tickets)
            await pool.fetch("SELECT 1")

    try:
        await asyncio.gather(*(caller() for _ in range(20)))
        assert sorted(noted.order) == list(range(600))
        assert max(_overtaken(noted.order)) == 0
    finally:
        await pool.close()


def _overtaken(order: list[int]) -> list[int]:
    """For each checkout, how many that asked later were served before it."""
    return [sum(1 for earlier in order[:at] if earlier > ticket) for at, ticket in enumerate(order)]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
