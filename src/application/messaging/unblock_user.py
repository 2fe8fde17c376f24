from application.messaging.access import find_user
from application.messaging.block_user import BlockCommand
from application.ports.messaging import RelationshipRepository, UserDirectory
from application.ports.transactions import TransactionManager


class UnblockUser:
    """Lift a block (`DELETE /api/blocks/{user_name}`); one that was not there is no
    error."""

    def __init__(
        self,
        directory: UserDirectory,
        relationships: RelationshipRepository,
        tx: TransactionManager,
    ) -> None:
        self._directory = directory
        self._relationships = relationships
        self._tx = tx

    async def __call__(self, cmd: BlockCommand) -> None:
        other = await find_user(self._directory, cmd.username)
        if await self._relationships.unblock(cmd.requester.id, other.user_id):
            await self._tx.commit()
