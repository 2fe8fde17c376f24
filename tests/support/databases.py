"""An empty database at the newest migration, for a test, without migrating each time:
migrating from scratch costs a quarter of a second or more, paid by most tests.

SQLite: the first call migrates a template file; each test's database is a copy of it.
PostgreSQL: the shared test database is migrated once and then emptied; a
test that migrated it elsewhere (the migration tests) makes the next call start again.
"""

import shutil
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.database import make_engine
from adapters.sql.migrate import heads, upgrade

_template: Path | None = None


async def migrated_empty(engine: AsyncEngine) -> None:
    """Make `engine`'s database empty and at the newest migration."""
    if engine.dialect.name == "sqlite":
        await _copy_template(engine)
    elif not await _emptied(engine):
        await reset_postgres(engine)
        await upgrade(engine)


async def reset_postgres(engine: AsyncEngine) -> None:
    """Drop everything: the database is as never migrated."""
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))


async def _copy_template(engine: AsyncEngine) -> None:
    global _template
    if _template is None:
        path = Path(tempfile.mkdtemp(prefix="herald-template-")) / "template.db"
        template = make_engine(f"sqlite+aiosqlite:///{path}", pool_size=1)
        await upgrade(template)
        await template.dispose()
        _template = path
    target = engine.url.database
    assert target, "an SQLite database in a file"
    # No connection may hold the file while it is replaced.
    await engine.dispose()
    shutil.copyfile(_template, target)


async def _emptied(engine: AsyncEngine) -> bool:
    """Empty every table when the schema is at the newest migration; False otherwise."""
    async with engine.begin() as conn:
        tables = list(
            (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
        )
        if "alembic_version" not in tables:
            return False
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars()
        if sorted(versions) != sorted(heads()):
            return False
        # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files cost
        # about as much as the whole migration. The replica role skips the foreign keys' and
        # the counters' triggers, so the order of the tables does not matter.
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            if table != "alembic_version":
                await conn.execute(text(f'DELETE FROM "{table}"'))
        sequences = await conn.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
        )
        for sequence in sequences.scalars():
            await conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    return True
