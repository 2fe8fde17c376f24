"""The unit of work of the in-memory repositories: it really rolls back, as SQL does.

The repositories keep their rows in the tables of one `MemoryStore`; the unit of work
takes a copy of every table when it begins and after each commit, and puts the copy back
on rollback. Rows are immutable (frozen dataclasses, tuples), so a shallow copy of a
table is a faithful snapshot; restoring in place keeps the repositories' references.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Snapshot:
    dicts: list[dict[Any, Any]]
    lists: list[list[Any]]
    sets: list[set[Any]]


class MemoryStore:
    """The tables the in-memory repositories of one test share."""

    def __init__(self) -> None:
        self._dicts: list[dict[Any, Any]] = []
        self._lists: list[list[Any]] = []
        self._sets: list[set[Any]] = []

    def dict_table(self) -> dict[K, V]:
        table: dict[K, V] = {}
        self._dicts.append(table)
        return table

    def list_table(self) -> list[V]:
        table: list[V] = []
        self._lists.append(table)
        return table

    def set_table(self) -> set[V]:
        table: set[V] = set()
        self._sets.append(table)
        return table

    def snapshot(self) -> Snapshot:
        return Snapshot(
            [t.copy() for t in self._dicts],
            [t.copy() for t in self._lists],
            [t.copy() for t in self._sets],
        )

    def restore(self, snapshot: Snapshot) -> None:
        # A table made after the snapshot was taken was empty then.
        for i, d in enumerate(self._dicts):
            d.clear()
            d.update(snapshot.dicts[i] if i < len(snapshot.dicts) else {})
        for i, items in enumerate(self._lists):
            items[:] = snapshot.lists[i] if i < len(snapshot.lists) else []
        for i, s in enumerate(self._sets):
            s.clear()
            s.update(snapshot.sets[i] if i < len(snapshot.sets) else set())


class InMemoryTransactionManager:
    """Rolls the store back to where it stood when this began or last committed; counts
    commits for tests."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self._store = store or MemoryStore()
        self._begun = self._store.snapshot()
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1
        self._begun = self._store.snapshot()

    async def rollback(self) -> None:
        self._store.restore(self._begun)
