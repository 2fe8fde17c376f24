from uuid import UUID

from application.messaging.gate import direct_refusals
from application.ports.messaging import (
    ConversationRepository,
    DirectRoute,
    ProfileRepository,
    RelationshipRepository,
    UserDirectory,
)
from domain.messaging import direct_key


class RepositoryDirectRoutes:
    """`DirectRoutes` as the repositories' reads, one after another: the user, the
    pair's conversation, the blocks, the recipient's profile and, when they take contacts
    only, whether the two are contacts. (On PostgreSQL, `PostgresDirectRoutes` makes
    them one statement.)"""

    def __init__(
        self,
        directory: UserDirectory,
        conversations: ConversationRepository,
        relationships: RelationshipRepository,
        profiles: ProfileRepository,
    ) -> None:
        self._directory = directory
        self._conversations = conversations
        self._relationships = relationships
        self._profiles = profiles

    async def find(self, sender: UUID, recipient_name: str) -> DirectRoute | None:
        recipient = await self._directory.find(recipient_name)
        if recipient is None:
            return None
        other = recipient.user_id
        conversation = await self._conversations.direct(direct_key(sender, other))
        blocked, restricted = await direct_refusals(
            self._relationships, self._profiles, sender, other
        )
        return DirectRoute(recipient, conversation, blocked, restricted)
