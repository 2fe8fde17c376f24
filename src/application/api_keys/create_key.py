from dataclasses import dataclass

from application.policy import Caller, require_key_manager
from application.ports.api_keys import ApiKeyRepository
from application.ports.clock import Clock
from application.ports.transactions import TransactionManager
from domain.api_keys import ApiKey, key_name, new_secret, scopes_of
from domain.errors import FieldErrors
from domain.ids import new_id


@dataclass(frozen=True, slots=True)
class CreateApiKeyCommand:
    requester: Caller
    name: str
    scopes: list[str]


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    key: ApiKey
    secret: str  # shown to the admin once; Herald keeps only its hash


class CreateApiKey:
    """Make a key with a name and scopes, and hand out its secret this once.

    Rules: only an admin signed in as themselves (never a key); the name is 1-100
    printable characters; at least one scope, each a known one; every bad field is
    reported at once. Names need not be unique: the id tells keys apart.
    """

    def __init__(self, keys: ApiKeyRepository, tx: TransactionManager, clock: Clock) -> None:
        self._keys = keys
        self._tx = tx
        self._clock = clock

    async def __call__(self, cmd: CreateApiKeyCommand) -> CreatedApiKey:
        admin = require_key_manager(cmd.requester)
        errors = FieldErrors()
        name = errors.check("name", key_name, cmd.name)
        scopes = errors.check("scopes", scopes_of, cmd.scopes)
        errors.raise_if_any()
        secret = new_secret()
        key = ApiKey.make(new_id(), name, scopes, secret, self._clock.now(), admin.id)
        await self._keys.add(key)
        await self._tx.commit()
        return CreatedApiKey(key, secret)
