"""Every migration upgrades, downgrades and upgrades again, on SQLite and PostgreSQL,
and the result matches the models."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection

from adapters.sql.database import make_engine
from adapters.sql.migrate import downgrade, pending, upgrade
from adapters.sql.notifications import N
from adapters.sql.recipients import R, to_recipient
from adapters.sql.tables import Base
from adapters.sql.tables.accounts import UserRow
from domain.ids import new_id
from tests.support.databases import reset_postgres

# contact_preferences as 0003 made it and 0007 drops it.
_OLD_PREFERENCES = Table(
    "contact_preferences",
    MetaData(),
    Column("user_id", GUID, primary_key=True),
    Column("notify_pref", String(8)),
    Column("email", String(254)),
    Column("phone", String(16)),
    Column("sms_opted_out", Boolean),
    Column("updated_at", DateTimeUTC),
)


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
        assert sorted(await pending(conn)) == [
            *("0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012", "0013", "0014"),
            *("0015", "0016", "0017", "0018", "0019", "0022"),
        ]
    await upgrade(engine)
    async with engine.connect() as conn:
        query = text("SELECT user_id, created_by, text FROM notifications")
        row = (await conn.execute(query)).one()
        assert await pending(conn) == []
    assert row == (user.hex, user.hex, "hi")
    await engine.dispose()


_ROWS_BEFORE_0007 = [
    # username, notify_pref, email, phone, sms_opted_out (None: no preferences row)
    ("ann", "email", "ann@example.com", "+15105552054", False),
    ("bob", "sms", None, "+15105550000", True),
    ("cy", "none", "cy@example.com", None, False),
    ("dee", None, None, None, None),
]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_0007_gives_every_user_a_recipient_with_their_preferences(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/r.db"
        if kind == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = make_engine(url, pool_size=1)
    if kind == "postgres":
        await reset_postgres(engine)
    await upgrade(engine, "0006")
    users = {name: new_id() for name, *_ in _ROWS_BEFORE_0007}
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        for name, pref, email, phone, opted_out in _ROWS_BEFORE_0007:
            await conn.execute(
                insert(UserRow).values(
                    id=users[name], username=name, password_hash="h", role="user", created_at=at
                )
            )
            if pref is not None:
                await conn.execute(
                    insert(_OLD_PREFERENCES).values(
                        user_id=users[name],
                        notify_pref=pref,
                        email=email,
                        phone=phone,
                        sms_opted_out=opted_out,
                        updated_at=at,
                    )
                )
    await upgrade(engine)
    async with engine.connect() as conn:
        assert "contact_preferences" not in await conn.run_sync(_tables)
        rows = (await conn.execute(select(R).order_by(R.c.external_id))).all()
    got = {r.external_id.value: r for r in map(to_recipient, rows)}
    assert list(got) == ["user:ann", "user:bob", "user:cy", "user:dee"]
    expected = {  # external id: channels (email, sms), email, phone, opted out
        "user:ann": ((True, False), "ann@example.com", "+15105552054", False),
        "user:bob": ((False, True), None, "+15105550000", True),
        "user:cy": ((False, False), "cy@example.com", None, False),
        "user:dee": ((False, False), None, None, False),
    }
    for external_id, (channels, email, phone, opted_out) in expected.items():
        r = got[external_id]
        c = r.contact
        assert (c.channels.email, c.channels.sms) == channels
        assert (str(c.email) if c.email else None, str(c.phone) if c.phone else None) == (
            email,
            phone,
        )
        assert r.sms_opted_out is opted_out
        assert r.phone_verified is False  # 0012: nothing stored before was looked up
        assert r.user_id == users[external_id.removeprefix("user:")]
        assert r.updated_at == at
    await downgrade(engine, "0006")
    async with engine.connect() as conn:
        back = (
            await conn.execute(
                select(
                    _OLD_PREFERENCES.c.notify_pref,
                    _OLD_PREFERENCES.c.email,
                    _OLD_PREFERENCES.c.phone,
                    _OLD_PREFERENCES.c.sms_opted_out,
                ).order_by(_OLD_PREFERENCES.c.notify_pref)
            )
        ).all()
    # Every user has a recipient now, so everyone gets a row back; dee's says none.
    assert sorted(map(tuple, back), key=str) == sorted(
        [
            ("email", "ann@example.com", "+15105552054", False),
            ("sms", None, "+15105550000", True),
            ("none", "cy@example.com", None, False),
            ("none", None, None, False),
        ],
        key=str,
    )
    await engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_0011_ties_each_notification_to_its_users_recipient_in_a_group_of_its_own(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/g.db"
        if kind == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = make_engine(url, pool_size=1)
    if kind == "postgres":
        await reset_postgres(engine)
    await upgrade(engine, "0006")
    user, notifications = new_id(), [new_id(), new_id()]
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    old = Table(  # notifications as 0005 made them, the columns a row needs
        "notifications",
        MetaData(),
        Column("id", GUID, primary_key=True),
        Column("user_id", GUID),
        Column("created_by", GUID),
        Column("channel", String(8)),
        Column("recipient", String(254)),
        Column("text", String),
        Column("sendtime", DateTimeUTC),
        Column("due_at", DateTimeUTC),
        Column("status", String(16)),
        Column("attempts", Integer),
        Column("created_at", DateTimeUTC),
        Column("updated_at", DateTimeUTC),
    )
    async with engine.begin() as conn:
        await conn.execute(
            insert(UserRow).values(
                id=user, username="ann", password_hash="h", role="user", created_at=at
            )
        )
        for nid in notifications:
            await conn.execute(
                insert(old).values(
                    id=nid,
                    user_id=user,
                    created_by=user,
                    channel="sms",
                    recipient="+15105552054",
                    text="hi",
                    sendtime=at,
                    due_at=at,
                    status="sent",
                    attempts=1,
                    created_at=at,
                    updated_at=at,
                )
            )
    await upgrade(engine)
    async with engine.connect() as conn:
        [recipient_id] = (await conn.execute(select(R.c.id))).scalars().all()
        rows = (await conn.execute(select(N).order_by(N.c.id))).all()
    assert [(r.id, r.group_id, r.recipient_id, r.user_id) for r in rows] == [
        (nid, nid, recipient_id, user) for nid in sorted(notifications)
    ]
    await downgrade(engine, "0010")
    async with engine.connect() as conn:
        kept = (await conn.execute(select(old.c.id, old.c.user_id).order_by(old.c.id))).all()
    assert [tuple(r) for r in kept] == [(nid, user) for nid in sorted(notifications)]
    await engine.dispose()
