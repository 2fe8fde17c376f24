from dataclasses import dataclass

from application.messaging.access import find_user
from application.ports.clock import Clock
from application.ports.messaging import RelationshipRepository, UserDirectory
from application.ports.transactions import TransactionManager
from domain.accounts import User
from domain.errors import InvalidInput
from domain.messaging import DirectoryEntry


@dataclass(frozen=True, slots=True)
class BlockCommand:
    requester: User
    username: str


class BlockUser:
    """Block a user (`PUT /api/blocks/{user_name}`): no direct messages either way, and
    each drops out of the other's directory. Blocking again changes nothing; oneself is
    a bad field. Answers whether the block is new."""

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

    async def __call__(self, cmd: BlockCommand) -> tuple[DirectoryEntry, bool]:
        other = await find_user(self._directory, cmd.username)
        if other.user_id == cmd.requester.id:
            raise InvalidInput.field("user_name", "you cannot block yourself")
        made = await self._relationships.block(cmd.requester.id, other.user_id, self._clock.now())
        await self._tx.commit()
        return other, made
