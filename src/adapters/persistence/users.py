from uuid import UUID

from advanced_alchemy.exceptions import IntegrityError
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.models import UserRow
from domain.accounts import Role, User, Username
from domain.errors import Conflict


class _UserRows(SQLAlchemyAsyncRepository[UserRow]):
    model_type = UserRow


def user_from_row(row: UserRow) -> User:
    return User(
        id=row.id,
        username=Username(row.username),
        password_hash=row.password_hash,
        role=Role(row.role),
        created_at=row.created_at,
        disabled=row.disabled,
    )


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _UserRows(session=session, auto_commit=False, auto_refresh=False)

    async def add(self, user: User) -> None:
        row = UserRow(
            id=user.id,
            username=user.username.value,
            password_hash=user.password_hash,
            role=user.role.value,
            disabled=user.disabled,
            created_at=user.created_at,
        )
        try:
            await self._rows.add(row)
        except IntegrityError as exc:
            raise Conflict(f"username '{user.username}' is taken") from exc

    async def get(self, user_id: UUID) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return user_from_row(row) if row else None

    async def get_by_username(self, username: Username) -> User | None:
        row = await self._rows.get_one_or_none(username=username.value)
        return user_from_row(row) if row else None

    async def update(self, user: User) -> None:
        row = await self._session.get(UserRow, user.id)
        if row is None:
            return
        row.password_hash = user.password_hash
        row.role = user.role.value
        row.disabled = user.disabled
        await self._session.flush()

    async def any_admin(self) -> bool:
        query = select(exists().where(UserRow.role == Role.ADMIN.value))
        return bool(await self._session.scalar(query))
