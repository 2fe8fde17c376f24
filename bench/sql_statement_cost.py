"""The CPU one statement costs the API process through an AsyncSession on PostgreSQL,
built per call against built once (module level, its values as parameters), for a
select by id and an insert of a recipient row (docs/benchmarks.md, section 16).

    uv run python -m bench.sql_statement_cost [--statements 2000]

Each form runs `--statements` times after a warm-up, twice, alternating; the figure is
this process's CPU time (`time.process_time`: SQLAlchemy, asyncpg and the socket calls)
a statement. Uses its own database, notify_statement_cost, on the test server.
"""

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from tests.support.cluster import Cluster

from adapters.sql.database import make_engine
from adapters.sql.recipients import R, row_values
from domain.ids import new_id
from domain.recipients import Contact, ExternalId, Recipient

SELECT_ONCE = select(R).where(R.c.id == bindparam("id"))
INSERT_ONCE = R.insert()


def _row() -> dict[str, Any]:
    ident = new_id()
    recipient = Recipient.new(
        ident, ExternalId(f"cost-{ident}"), Contact(name="x"), datetime.now(UTC)
    )
    return row_values(recipient)


async def _cpu_per_call(run: Callable[[], Awaitable[object]], count: int) -> float:
    for _ in range(200):
        await run()
    start = time.process_time()
    for _ in range(count):
        await run()
    return (time.process_time() - start) / count * 1e6


async def main(count: int) -> None:
    cluster = Cluster("notify_statement_cost")
    await cluster.create_database()
    engine = make_engine(cluster.db_url)
    try:
        async with AsyncSession(engine) as session:
            wanted = new_id()
            forms: dict[str, Callable[[], Awaitable[object]]] = {
                "select, built per call": lambda: session.execute(
                    select(R).where(R.c.id == wanted)
                ),
                "select, built once": lambda: session.execute(SELECT_ONCE, {"id": wanted}),
                "insert, built per call": lambda: session.execute(R.insert().values(_row())),
                "insert, built once": lambda: session.execute(INSERT_ONCE, _row()),
            }
            for round_ in (1, 2):
                for name, run in forms.items():
                    cost = await _cpu_per_call(run, count)
                    print(f"round {round_}: {name}: {cost:.0f} µs of CPU a statement")
            await session.rollback()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=2000)
    asyncio.run(main(parser.parse_args().statements))
