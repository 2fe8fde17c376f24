from typing import Protocol


class TransactionManager(Protocol):
    """Commits or rolls back the unit of work shared by the repositories of one request."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
