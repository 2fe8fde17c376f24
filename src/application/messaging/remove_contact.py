from application.messaging.access import find_user
from application.messaging.add_contact import ContactCommand
from application.ports.messaging import RelationshipRepository, UserDirectory
from application.ports.transactions import TransactionManager


class RemoveContact:
    """Withdraw a request, or end a contact (`DELETE /api/contacts/{user_name}`): the
    other's request, if any, stays pending. One that was not there is no error."""

    def __init__(
        self,
        directory: UserDirectory,
        relationships: RelationshipRepository,
        tx: TransactionManager,
    ) -> None:
        self._directory = directory
        self._relationships = relationships
        self._tx = tx

    async def __call__(self, cmd: ContactCommand) -> None:
        other = await find_user(self._directory, cmd.username)
        if await self._relationships.drop(cmd.requester.id, other.user_id):
            await self._tx.commit()
