from application.policy import Caller, require_self_service, require_user
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.topics.find import find_topic
from domain.recipients import ExternalId


class UnsubscribeMe:
    """Unsubscribe the calling user's own recipient from a self-service topic. Users
    only; NotFound for an unknown topic, PermissionDenied for one not self-service.
    Idempotent: not being subscribed is no error."""

    def __init__(self, topics: TopicRepository, tx: TransactionManager) -> None:
        self._topics = topics
        self._tx = tx

    async def __call__(self, requester: Caller, key: str) -> None:
        user = require_user(requester)
        topic = await find_topic(self._topics, key)
        require_self_service(topic)
        await self._topics.unsubscribe(topic.key, [ExternalId.of_user(user.username.value).value])
        await self._tx.commit()
