"""Both PostgreSQL pools hand connections out in the order they were asked for: a
checkout that comes while others wait joins the back (SQLAlchemy's and asyncpg's own
queues let it take a just-returned connection first, which starved waiters under load)."""

import asyncio

from sqlalchemy import text

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


async def test_the_direct_pool_serves_its_callers_in_turn(postgres_url: str) -> None:
    """20 callers reading in a loop over 2 connections: in turn, no read waits for more
    than about the 19 others' reads (with asyncpg's own queue some waited for 70)."""
    pool = await DirectPool.open(postgres_url, max_size=2)
    completed, worst = 0, 0

    async def caller() -> None:
        nonlocal completed, worst
        for _ in range(30):
            before = completed
            await pool.fetch("SELECT 1")
            worst = max(worst, completed - before)
            completed += 1

    try:
        await asyncio.gather(*(caller() for _ in range(20)))
        assert completed == 600
        assert worst <= 23
    finally:
        await pool.close()
