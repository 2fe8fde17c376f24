"""In-memory templates: for unit tests, held to the same contract suite as SQL."""

from adapters.memory.transactions import MemoryStore
from domain.templates import Template


class InMemoryTemplateRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._rows: dict[str, Template] = (store or MemoryStore()).dict_table()

    async def get(self, key: str) -> Template | None:
        return self._rows.get(key)

    async def save(self, template: Template) -> None:
        self._rows[template.key] = template

    async def delete(self, key: str) -> bool:
        return self._rows.pop(key, None) is not None

    async def list_after(self, after: str | None, limit: int) -> list[Template]:
        keys = sorted(k for k in self._rows if after is None or k > after)
        return [self._rows[k] for k in keys[:limit]]
