from uuid import UUID

from application.policy import Caller, require_key_manager
from application.ports.api_keys import ApiKeyRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.api_keys import ApiKey
from domain.errors import NotFound


class RevokeApiKey:
    """Revoke a key for good.

    Rules: only an admin signed in as themselves; an unknown id is NotFound; revoking a
    revoked key changes nothing. The key is refused at once by this process and within
    the auth cache's time (HERALD_AUTH_CACHE_SECONDS) by every other.
    """

    def __init__(self, keys: ApiKeyRepository, tx: TransactionManager, clock: Clock) -> None:
        self._keys = keys
        self._tx = tx
        self._clock = clock

    async def __call__(self, requester: Caller, key_id: UUID) -> ApiKey:
        require_key_manager(requester)
        found = await self._keys.get(key_id)
        if found is None:
            raise NotFound(f"no API key with id {key_id}")
        if found.revoked:
            return found
        revoked = found.revoke(self._clock.now())
        await self._keys.revoke(revoked)
        await self._tx.commit()
        return revoked
