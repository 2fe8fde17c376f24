"""The unit of work of the in-memory repositories."""


class InMemoryTransactionManager:
    """The in-memory repositories apply writes at once; this counts commits for tests."""

    def __init__(self) -> None:
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        return None
