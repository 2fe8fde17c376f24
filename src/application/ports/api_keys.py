from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.api_keys import ApiKey


class ApiKeyRepository(Protocol):
    """The keys as admins manage them, in the request's unit of work."""

    async def add(self, key: ApiKey) -> None: ...

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def page(self, after: UUID | None, limit: int) -> list[ApiKey]:
        """Up to `limit` keys by id (oldest first), after `after` if given."""
        ...

    async def revoke(self, key: ApiKey) -> None:
        """Store `key`'s revocation; it holds in this process at once."""
        ...


class ApiKeyReader(Protocol):
    """The lookup of every request made with a key, outside any unit of work."""

    async def find(self, secret_hash: str) -> ApiKey | None: ...

    async def record_use(self, key: ApiKey, at: datetime) -> None:
        """Set the key's last_used_at (its own short transaction)."""
        ...


class KeyRateLimiter(Protocol):
    async def hit(self, key: str) -> int | None:
        """Count one request of `key`; the seconds to wait when over the limit, else None."""
        ...
