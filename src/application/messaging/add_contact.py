from dataclasses import dataclass

from application.messaging.access import find_user
from application.policy import require_may_message
from application.ports.clock import Clock
from application.ports.messaging import RelationshipRepository, UserDirectory
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import InvalidInput
from domain.messaging import Contact, ContactStatus


@dataclass(frozen=True, slots=True)
class ContactCommand:
    requester: User
    username: str


class AddContact:
    """Ask a user to be a contact, or accept their request (`PUT
    /api/contacts/{user_name}`): two users are contacts once each asked for the other.
    Asking again changes nothing; between users one of whom blocked the other it is
    refused as a message would be; oneself is a bad field."""

    def __init__(
        self,
        directory: UserDirectory,
        relationships: RelationshipRepository,
        clock: Clock,
        tx: TransactionManager,
    ) -> None:
        self._directory = directory
        self._relationships = relationships
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: ContactCommand) -> Contact:
        other = await find_user(self._directory, cmd.username)
        me = cmd.requester.id
        if other.user_id == me:
            raise InvalidInput.field("user_name", "you cannot be your own contact")
        require_may_message(await self._relationships.blocked_between(me, other.user_id), False)
        await self._relationships.ask(me, other.user_id, self._clock.now())
        status = await self._relationships.contact_status(me, other.user_id)
        await self._tx.commit()
        return Contact(other, status or ContactStatus.REQUESTED)
