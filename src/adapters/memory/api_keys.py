"""In-memory API keys: the repository and the lookup over one table, for unit tests,
held to the same contract suite as SQL."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.memory.transactions import MemoryStore
from domain.api_keys import ApiKey


class InMemoryApiKeyRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self._rows: dict[UUID, ApiKey] = (store or MemoryStore()).dict_table()

    async def add(self, key: ApiKey) -> None:
        self._rows[key.id] = key

    async def get(self, key_id: UUID) -> ApiKey | None:
        return self._rows.get(key_id)

    async def page(self, after: UUID | None, limit: int) -> list[ApiKey]:
        ids = sorted(i for i in self._rows if after is None or i > after)
        return [self._rows[i] for i in ids[:limit]]

    async def revoke(self, key: ApiKey) -> None:
        self._rows[key.id] = replace(self._rows[key.id], revoked_at=key.revoked_at)

    # The lookup of authentication (ApiKeyReader), on the same rows.

    async def find(self, secret_hash: str) -> ApiKey | None:
        return next((k for k in self._rows.values() if k.secret_hash == secret_hash), None)

    async def record_use(self, key: ApiKey, at: datetime) -> None:
        if key.id in self._rows:
            self._rows[key.id] = replace(self._rows[key.id], last_used_at=at)
