import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from adapters.sql.database import make_engine
from adapters.sql.tables import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_new_engine() -> None:
    url = os.environ.get("HERALD_DATABASE_URL", "sqlite+aiosqlite:///.herald/herald.db")
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # plain `alembic` on the command line
    asyncio.run(_run_with_new_engine())
