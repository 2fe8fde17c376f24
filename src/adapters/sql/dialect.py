"""What the SQL adapters need to know about the database they run on, chosen once by the
container from the engine: adapters take it, or the container picks the PostgreSQL
subclass of an adapter, so that no adapter asks which database it is on."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

# Both dialects' INSERT constructs have on_conflict_do_nothing / on_conflict_do_update
# with the same arguments; the portable insert() has neither.
InsertOnConflict = Callable[[Any], postgresql.Insert | sqlite.Insert]


@dataclass(frozen=True, slots=True)
class SqlDialect:
    name: str
    insert: InsertOnConflict  # INSERT ... ON CONFLICT, for upserts and insert-if-absent

    @property
    def is_postgresql(self) -> bool:
        """For the container's choice of adapters; adapters themselves never ask."""
        return self is POSTGRESQL


SQLITE = SqlDialect("sqlite", sqlite.insert)
POSTGRESQL = SqlDialect("postgresql", postgresql.insert)


def dialect_of(engine: AsyncEngine) -> SqlDialect:
    return POSTGRESQL if engine.dialect.name == "postgresql" else SQLITE
