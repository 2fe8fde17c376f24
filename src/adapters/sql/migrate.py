"""Alembic, driven from code on an existing async engine (used by `herald migrate`, the
embedded default's start-up and the tests)."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), revision))


@cache
def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def heads() -> list[str]:
    """The newest revisions of the migration history (one, in a linear history)."""
    return list(_scripts().get_heads())


async def pending(conn: AsyncConnection) -> list[str]:
    """The revisions the database has not had yet, oldest first (all of them when it was
    never migrated)."""
    current = await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    scripts = _scripts()
    applied = {r.revision for r in scripts.iterate_revisions(current, "base") if r is not None}
    return [
        r.revision for r in reversed(list(scripts.walk_revisions())) if r.revision not in applied
    ]
