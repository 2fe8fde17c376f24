"""Templates in SQL: a row per template, its variants as one JSON value."""

import json
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.cachetools.templates import TemplateCache
from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.tables.templates import TemplateRow
from domain.templates import EmailPart, SmsPart, Template, Variant

T = cast(Table, TemplateRow.__table__)


class SqlTemplateRepository:
    def __init__(
        self, session: AsyncSession, dialect: SqlDialect, cache: TemplateCache | None = None
    ) -> None:
        self._db = session
        self._insert = dialect.insert
        self._cache = cache  # forgets what changes, so this process renders it at once

    async def get(self, key: str) -> Template | None:
        row = (await self._db.execute(select(T).where(T.c.key == key))).first()
        return None if row is None else _template(row._mapping)

    async def save(self, template: Template) -> None:
        values = {
            "description": template.description,
            "variables": list(template.variables),
            "content": {
                "default": _variant_json(template.default),
                "locales": {k: _variant_json(v) for k, v in template.locales.items()},
            },
            "created_at": template.created_at,
            "updated_at": template.updated_at,
        }
        stmt = self._insert(TemplateRow).values(key=template.key, **values)
        await self._db.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))
        if self._cache is not None:
            self._cache.forget(template.key)

    async def delete(self, key: str) -> bool:
        result = await self._db.execute(delete(T).where(T.c.key == key))
        if self._cache is not None:
            self._cache.forget(key)
        return bool(getattr(result, "rowcount", 0))

    async def list_after(self, after: str | None, limit: int) -> list[Template]:
        query = select(T).order_by(T.c.key).limit(limit)
        if after is not None:
            query = query.where(T.c.key > after)
        return [_template(row._mapping) for row in await self._db.execute(query)]


_BY_KEY = (
    "SELECT key, description, variables, content, created_at, updated_at FROM templates "
    "WHERE key = $1"
)


class PostgresTemplateReader:
    """TemplateReader on PostgreSQL: one round trip on the direct pool."""

    def __init__(self, reads: DirectPool) -> None:
        self._reads = reads

    async def get(self, key: str) -> Template | None:
        rows = await self._reads.fetch(_BY_KEY, key)
        if not rows:
            return None
        row = dict(rows[0])
        # asyncpg hands jsonb over as its text (the pool sets no codecs)
        row["variables"], row["content"] = json.loads(row["variables"]), json.loads(row["content"])
        return _template(row)


def _variant_json(variant: Variant) -> dict[str, Any]:
    email = variant.email
    return {
        "sms": None if variant.sms is None else {"text": variant.sms.text},
        "email": None
        if email is None
        else {"subject": email.subject, "text": email.text, "html": email.html},
    }


def _variant(raw: dict[str, Any]) -> Variant:
    sms, email = raw["sms"], raw["email"]
    return Variant(
        None if sms is None else SmsPart(sms["text"]),
        None if email is None else EmailPart(email["subject"], email["text"], email["html"]),
    )


def _template(row: Any) -> Template:
    content = row["content"]
    return Template(
        key=row["key"],
        description=row["description"],
        variables=tuple(row["variables"]),
        default=_variant(content["default"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        locales={k: _variant(v) for k, v in content["locales"].items()},
    )
