"""The template repository on the fake, SQLite and PostgreSQL: the same answers."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.cachetools.templates import CachingTemplateReader, TemplateCache
from adapters.memory.templates import InMemoryTemplateRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.templates import PostgresTemplateReader, SqlTemplateRepository
from adapters.sql.transactions import SqlTransactionManager
from application.ports.templates import TemplateReader, TemplateRepository
from application.ports.transactions import TransactionManager
from domain.templates import EmailPart, SmsPart, Template, Variant
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


@dataclass
class Store:
    templates: TemplateRepository
    tx: TransactionManager
    db: AsyncSession | None
    reader: TemplateReader  # the one the container picks: cached on the direct pool on PostgreSQL

    async def save(self) -> None:
        await self.tx.commit()
        if self.db is not None:
            self.db.expunge_all()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = MemoryStore()
        fake = InMemoryTemplateRepository(memory)
        yield Store(fake, InMemoryTransactionManager(memory), None, fake)
        return
    async with (
        migrated_database(request, tmp_path) as (engine, pool),
        make_session_factory(engine)() as session,
    ):
        cache = TemplateCache(60)  # long enough to hold through a test
        repository = SqlTemplateRepository(session, dialect_of(engine), cache)
        reader: TemplateReader = repository
        if pool is not None:
            reader = CachingTemplateReader(PostgresTemplateReader(pool), cache)
        yield Store(repository, SqlTransactionManager(session), session, reader)


def template(key: str, **changes: object) -> Template:
    made = Template(
        key=key,
        description="Sign-in code",
        variables=("code", "minutes"),
        default=Variant(
            SmsPart("Code {{ code }} ✓"),
            EmailPart("Your code", "Code {{ code }}", "<b>{{ code }}</b>"),
        ),
        created_at=NOW,
        updated_at=NOW,
        locales={
            "pt-BR": Variant(SmsPart("Código {{ code }}"), None),
            "pt": Variant(None, EmailPart("Seu código", "Código {{ code }}")),
        },
    )
    return replace(made, **changes)  # type: ignore[arg-type]


async def test_the_reader_of_renders_sees_each_change_made_through_this_process(
    store: Store,
) -> None:
    saved = template("sign-in")
    await store.templates.save(saved)
    await store.save()
    assert await store.reader.get("sign-in") == saved  # read, and on PostgreSQL kept
    changed = template("sign-in", description="Changed")
    await store.templates.save(changed)
    await store.save()
    assert await store.reader.get("sign-in") == changed  # the change forgot the kept one
    assert await store.templates.delete("sign-in")
    await store.save()
    assert await store.reader.get("sign-in") is None
    assert await store.reader.get("no-such") is None


async def test_save_get_replace_delete(store: Store) -> None:
    assert await store.templates.get("sign-in") is None
    saved = template("sign-in")
    await store.templates.save(saved)
    await store.save()
    assert await store.templates.get("sign-in") == saved
    changed = template(
        "sign-in",
        description="",
        variables=(),
        default=Variant(None, EmailPart("a", "b")),
        locales={},
        updated_at=datetime(2026, 12, 3, tzinfo=UTC),
    )
    await store.templates.save(changed)
    await store.save()
    assert await store.templates.get("sign-in") == changed
    assert await store.templates.delete("sign-in")
    await store.save()
    assert await store.templates.get("sign-in") is None
    assert not await store.templates.delete("sign-in")


async def test_a_rollback_undoes_a_save(store: Store) -> None:
    await store.templates.save(template("kept"))
    await store.save()
    await store.templates.save(template("dropped"))
    await store.templates.delete("kept")
    await store.tx.rollback()
    assert await store.templates.get("dropped") is None
    assert await store.templates.get("kept") is not None


async def test_pages_in_code_point_order_of_keys(store: Store) -> None:
    # Byte order, whatever the server's collation: "-" < "." < "0" < ":" < "_" < "a".
    keys = ["b", "a_b", "a:b", "a0", "a.b", "a-b", "a"]
    for key in keys:
        await store.templates.save(template(key))
    await store.save()
    ordered = sorted(keys)
    assert [t.key for t in await store.templates.list_after(None, 100)] == ordered
    assert [t.key for t in await store.templates.list_after(None, 3)] == ordered[:3]
    assert [t.key for t in await store.templates.list_after("a0", 100)] == ordered[4:]
    assert await store.templates.list_after("b", 100) == []
