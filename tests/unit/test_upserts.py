"""The text upserts: cacheable (the reason they exist), every name quoted, the same
statement right on SQLite and PostgreSQL (the contract suites run the adapters that use
them on both); here on SQLite, with keyword columns and both conflict actions."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.sql.upserts import insert_on_conflict

T = Table("pairs", MetaData(), Column("old", Integer, primary_key=True), Column("new", String(8)))


def test_the_statement_has_a_cache_key_where_the_dialects_insert_has_none() -> None:
    assert insert_on_conflict(T, ["old", "new"], ["old"])._generate_cache_key() is not None
    dialects = postgresql.insert(T).values(old=1), sqlite.insert(T).values(old=1)
    assert all(i.on_conflict_do_nothing()._generate_cache_key() is None for i in dialects)


def test_a_column_the_table_lacks_is_refused_when_the_statement_is_made() -> None:
    with pytest.raises(KeyError):
        insert_on_conflict(T, ["old", "nope"])


async def test_keyword_columns_are_inserted_kept_and_updated() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(T.metadata.create_all)
        keep = insert_on_conflict(T, ["old", "new"], ["old"], returning=["old"])
        assert (await conn.execute(keep, {"old": 1, "new": "a"})).first() == (1,)
        assert (await conn.execute(keep, {"old": 1, "new": "b"})).first() is None
        replace = insert_on_conflict(T, ["old", "new"], ["old"], update=["new"])
        await conn.execute(replace, [{"old": 1, "new": "c"}, {"old": 2, "new": "d"}])
        rows = (await conn.execute(select(T).order_by(T.c.old))).all()
        assert [tuple(r) for r in rows] == [(1, "c"), (2, "d")]
    await engine.dispose()
