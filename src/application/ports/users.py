from typing import Protocol
from uuid import UUID

from domain.users import User, Username


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Stage a new user; raises Conflict when the username is taken."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_username(self, username: Username) -> User | None: ...

    async def update(self, user: User) -> None: ...

    async def any_admin(self) -> bool: ...
