from typing import cast
from uuid import UUID

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.sql.dialect import SqlDialect
from adapters.sql.tables.preferences import ContactPreferenceRow
from domain.preferences import ContactPreferences, EmailAddress, NotifyPref, PhoneNumber

P = cast(Table, ContactPreferenceRow.__table__)


class SqlContactPreferenceRepository:
    def __init__(self, session: AsyncSession, dialect: SqlDialect) -> None:
        self._db = session
        self._insert = dialect.insert

    async def get(self, user_id: UUID) -> ContactPreferences | None:
        row = (await self._db.execute(select(P).where(P.c.user_id == user_id))).first()
        if row is None:
            return None
        return ContactPreferences(
            user_id=row.user_id,
            notify_pref=NotifyPref(row.notify_pref),
            email=EmailAddress(row.email) if row.email else None,
            phone=PhoneNumber(row.phone) if row.phone else None,
            updated_at=row.updated_at,
            sms_opted_out=row.sms_opted_out,
        )

    async def save(self, prefs: ContactPreferences) -> None:
        values = {
            "notify_pref": prefs.notify_pref.value,
            "email": prefs.email.value if prefs.email else None,
            "phone": prefs.phone.value if prefs.phone else None,
            "sms_opted_out": prefs.sms_opted_out,
            "updated_at": prefs.updated_at,
        }
        stmt = self._insert(ContactPreferenceRow).values(user_id=prefs.user_id, **values)
        await self._db.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))

    async def mark_sms_opted_out(self, user_id: UUID, phone: str) -> None:
        await self._db.execute(
            update(P).where(P.c.user_id == user_id, P.c.phone == phone).values(sms_opted_out=True)
        )
