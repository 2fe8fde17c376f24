"""API keys in SQL: the admins' repository in the request's transaction, and the lookup
of authentication through the engine, outside any transaction."""

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.cachetools.api_keys import ApiKeyCache
from adapters.sql.tables.api_keys import ApiKeyRow
from domain.api_keys import ApiKey, Scope

K = cast(Table, ApiKeyRow.__table__)


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        scopes=frozenset(Scope(s) for s in row.scopes.split()),
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class SqlApiKeyRepository:
    def __init__(self, session: AsyncSession, cache: ApiKeyCache) -> None:
        self._db = session
        self._cache = cache

    async def add(self, key: ApiKey) -> None:
        await self._db.execute(
            insert(K).values(
                id=key.id,
                name=key.name,
                scopes=" ".join(sorted(key.scopes)),
                prefix=key.prefix,
                secret_hash=key.secret_hash,
                created_at=key.created_at,
                created_by=key.created_by,
                last_used_at=key.last_used_at,
                revoked_at=key.revoked_at,
            )
        )

    async def get(self, key_id: UUID) -> ApiKey | None:
        row = (await self._db.execute(select(K).where(K.c.id == key_id))).first()
        return None if row is None else _key(row)

    async def page(self, after: UUID | None, limit: int) -> list[ApiKey]:
        query = select(K).order_by(K.c.id).limit(limit)
        if after is not None:
            query = query.where(K.c.id > after)
        return [_key(row) for row in await self._db.execute(query)]

    async def revoke(self, key: ApiKey) -> None:
        await self._db.execute(update(K).where(K.c.id == key.id).values(revoked_at=key.revoked_at))
        self._cache.forget(key.secret_hash)  # a revocation holds in this process at once


class SqlApiKeyReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def find(self, secret_hash: str) -> ApiKey | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(K).where(K.c.secret_hash == secret_hash))).first()
        return None if row is None else _key(row)

    async def record_use(self, key: ApiKey, at: datetime) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(K).where(K.c.id == key.id).values(last_used_at=at))
