"""Recipients in SQL."""

from collections.abc import Sequence
from typing import Any, Protocol, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Table, bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.tables.recipients import RecipientRow
from adapters.sql.upserts import insert_on_conflict
from domain.errors import Conflict, InvalidValue
from domain.recipients import (
    Channels,
    Contact,
    EmailAddress,
    ExternalId,
    Locale,
    PhoneNumber,
    QuietHours,
    Recipient,
    TimeZone,
)

R = cast(Table, RecipientRow.__table__)
# Built once, their values as parameters: see docs/architecture.md, "Layers".
_BY_ID = select(R).where(R.c.id == bindparam("id"))
_BY_EXTERNAL_ID = select(R).where(R.c.external_id == bindparam("external_id"))
_SAVE = insert_on_conflict(
    R,
    [c.name for c in R.c],
    ["id"],
    update=[c.name for c in R.c if c.name not in ("id", "created_at")],
)
TAKEN = "another recipient has this external id or user"


class Values(Protocol):
    """A stored row by column name: a SQLAlchemy row's mapping, an asyncpg record."""

    def __getitem__(self, column: str, /) -> Any: ...


def to_recipient(row: Row[Any]) -> Recipient:
    return recipient_of(row._mapping)


def recipient_of(row: Values) -> Recipient:
    """The recipient of a row. A stored value its value object refuses is a bug (or a hand
    edit) for an operator to hear about, not the caller's mistake: an error, never a 4xx."""
    try:
        return _read(row)
    except InvalidValue as exc:
        raise ValueError(f"stored recipient {row['id']} is unreadable: {exc.message}") from exc


def _read(row: Values) -> Recipient:
    quiet_start = row["quiet_start"]
    quiet = QuietHours.parse(quiet_start, row["quiet_end"]) if quiet_start else None
    email, phone, locale, timezone = row["email"], row["phone"], row["locale"], row["timezone"]
    return Recipient(
        id=row["id"],
        external_id=ExternalId(row["external_id"]),
        contact=Contact(
            name=row["name"],
            email=EmailAddress(email) if email else None,
            phone=PhoneNumber(phone) if phone else None,
            locale=Locale(locale) if locale else None,
            timezone=TimeZone(timezone) if timezone else None,
            channels=Channels(email=row["email_on"], sms=row["sms_on"]),
            quiet_hours=quiet,
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        sms_opted_out=row["sms_opted_out"],
        user_id=row["user_id"],
        phone_verified=row["phone_verified"],
    )


def row_values(r: Recipient) -> dict[str, Any]:
    c = r.contact
    return {
        "id": r.id,
        "external_id": r.external_id.value,
        "user_id": r.user_id,
        "name": c.name,
        "name_key": c.name.casefold() if c.name else None,
        "email": c.email.value if c.email else None,
        "phone": c.phone.value if c.phone else None,
        "locale": c.locale.value if c.locale else None,
        "timezone": c.timezone.value if c.timezone else None,
        "email_on": c.channels.email,
        "sms_on": c.channels.sms,
        "sms_opted_out": r.sms_opted_out,
        "phone_verified": r.phone_verified,
        "quiet_start": f"{c.quiet_hours.start:%H:%M}" if c.quiet_hours else None,
        "quiet_end": f"{c.quiet_hours.end:%H:%M}" if c.quiet_hours else None,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def _substr_starts_with(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    # SQLite: substr, as its LIKE ignores case; no index serves it.
    return func.substr(column, 1, len(prefix)) == prefix


def _like_starts_with(column: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    # PostgreSQL: LIKE 'prefix%', its wildcards escaped, which the pattern indexes of
    # migration 0014 serve.
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


class SqlRecipientRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._starts_with = _like_starts_with if dialect.is_postgresql else _substr_starts_with

    async def _one(self, condition: ColumnElement[bool]) -> Recipient | None:
        row = (await self._db.execute(select(R).where(condition))).first()
        return to_recipient(row) if row else None

    async def get(self, external_id: ExternalId) -> Recipient | None:
        row = (await self._db.execute(_BY_EXTERNAL_ID, {"external_id": external_id.value})).first()
        return to_recipient(row) if row else None

    async def get_by_id(self, recipient_id: UUID) -> Recipient | None:
        row = (await self._db.execute(_BY_ID, {"id": recipient_id})).first()
        return to_recipient(row) if row else None

    async def get_by_user(self, user_id: UUID) -> Recipient | None:
        return await self._one(R.c.user_id == user_id)

    async def get_many(self, external_ids: Sequence[ExternalId]) -> dict[ExternalId, Recipient]:
        found: dict[ExternalId, Recipient] = {}
        wanted = [e.value for e in external_ids]
        for start in range(0, len(wanted), 500):  # bounded IN lists
            rows = await self._db.execute(
                select(R).where(R.c.external_id.in_(wanted[start : start + 500]))
            )
            for row in rows:
                r = to_recipient(row)
                found[r.external_id] = r
        return found

    async def save(self, recipient: Recipient) -> None:
        await self.save_many([recipient])

    async def save_many(self, recipients: Sequence[Recipient]) -> None:
        if not recipients:
            return
        try:
            await self._db.execute(_SAVE, [row_values(r) for r in recipients])
        except IntegrityError:
            raise Conflict(TAKEN) from None

    async def delete(self, recipient_id: UUID) -> None:
        await self._db.execute(delete(R).where(R.c.id == recipient_id))

    async def search(self, q: str | None, *, after: UUID | None, limit: int) -> list[Recipient]:
        query = select(R).order_by(R.c.id).limit(limit)
        if after is not None:
            query = query.where(R.c.id > after)
        if q:
            query = query.where(
                or_(
                    self._starts_with(R.c.name_key, q.casefold()),
                    self._starts_with(func.lower(R.c.email), q.lower()),
                    self._starts_with(R.c.phone, q),
                    self._starts_with(R.c.external_id, q),
                )
            )
        return [to_recipient(row) for row in await self._db.execute(query)]
