"""Every migration upgrades, downgrades and upgrades again, on SQLite and PostgreSQL,
and the result matches the models."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from adapters.persistence.database import make_engine
from adapters.persistence.migrate import downgrade, upgrade
from adapters.persistence.models import Base
from tests.conftest import reset_postgres


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names()) - {"alembic_version"}


def _drift(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_upgrade_downgrade_upgrade(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/m.db"
        if kind == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = make_engine(url, pool_size=1)
    if kind == "postgres":
        await reset_postgres(engine)
    await upgrade(engine)
    async with engine.connect() as conn:
        tables = await conn.run_sync(_tables)
        assert {"users", "sessions", "refresh_tokens"} <= tables
        if kind == "postgres":  # SQLite reflects custom types as NUMERIC: no fair comparison
            assert await conn.run_sync(_drift) == []
    await downgrade(engine, "base")
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) == set()
    await upgrade(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) == tables
    await engine.dispose()
