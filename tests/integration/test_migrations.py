"""Every migration upgrades, downgrades and upgrades again, on SQLite and PostgreSQL,
and the result matches the models."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from adapters.sql.database import make_engine
from adapters.sql.migrate import downgrade, pending, upgrade
from adapters.sql.tables import Base
from domain.ids import new_id
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


async def test_a_database_at_both_old_heads_moves_on_without_loss(tmp_path: Path) -> None:
    """Databases made before 0005 had both branches applied (`upgrade heads`)."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/old.db", pool_size=1)
    await upgrade(engine, "0004")
    await upgrade(engine, "0003")
    user, notification = new_id(), new_id()
    now = datetime.now(UTC).isoformat()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, username, password_hash, role, disabled, created_at) "
                "VALUES (:id, 'ann', 'h', 'user', false, :now)"
            ),
            {"id": user.hex, "now": now},
        )
        await conn.execute(
            text(
                "INSERT INTO notifications (id, user_id, channel, recipient, text, sendtime, "
                "due_at, status, attempts, created_at, updated_at) VALUES (:id, :user, 'sms', "
                "'+15105552054', 'hi', :now, :now, 'sent', 1, :now, :now)"
            ),
            {"id": notification.hex, "user": user.hex, "now": now},
        )
    async with engine.connect() as conn:
        assert sorted(await pending(conn)) == ["0005", "0006", "0009"]
    await upgrade(engine)
    async with engine.connect() as conn:
        query = text("SELECT user_id, created_by, text FROM notifications")
        row = (await conn.execute(query)).one()
        assert await pending(conn) == []
    assert row == (user.hex, user.hex, "hi")
    await engine.dispose()
