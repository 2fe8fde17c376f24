"""Bindings of API keys: the repository, the cached lookup, the per-key rate limit and
the use cases."""

from dishka import Provider, Scope, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cachetools.api_keys import ApiKeyCache, CachingApiKeyReader
from adapters.memory.accounts import InMemoryRateLimiter
from adapters.redis.api_keys import RedisKeyRateLimiter
from adapters.sql.api_keys import SqlApiKeyReader, SqlApiKeyRepository
from application.api_keys.authenticate_key import AuthenticateKey
from application.api_keys.create_key import CreateApiKey
from application.api_keys.list_keys import ListApiKeys
from application.api_keys.revoke_key import RevokeApiKey
from application.ports.api_keys import ApiKeyReader, ApiKeyRepository, KeyRateLimiter
from entrypoints.settings import AccountsSettings, ApiKeysSettings


class ApiKeysProvider(Provider):
    scope = Scope.APP

    keys = provide(SqlApiKeyRepository, provides=ApiKeyRepository, scope=Scope.REQUEST)

    @provide
    def cache(self, accounts: AccountsSettings) -> ApiKeyCache:
        return ApiKeyCache(accounts.auth_cache_seconds)

    @provide
    def reader(self, engine: AsyncEngine, cache: ApiKeyCache) -> ApiKeyReader:
        return CachingApiKeyReader(SqlApiKeyReader(engine), cache)

    @provide
    def limiter(self, api_keys: ApiKeysSettings, redis: Redis | None) -> KeyRateLimiter:
        # The login limiter's fixed windows, counted per key id (in Redis, in batches).
        limit, window = api_keys.rate_limit, api_keys.rate_window_seconds
        if redis is None:
            return InMemoryRateLimiter(limit, window)
        return RedisKeyRateLimiter(redis, limit, window)

    authenticate_key = provide(AuthenticateKey)  # stateless: built once
    create_key = provide(CreateApiKey, scope=Scope.REQUEST)
    list_keys = provide(ListApiKeys, scope=Scope.REQUEST)
    revoke_key = provide(RevokeApiKey, scope=Scope.REQUEST)
