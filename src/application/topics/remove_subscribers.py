from application.policy import Caller, require_scope
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.topics.find import find_topic
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.topics import SubscriptionChange, subscriber_ids


class RemoveSubscribers:
    """Unsubscribe 1 to 1,000 recipients, by external id, from a topic. Admins, or keys
    with topics:write; NotFound for an unknown topic. Idempotent: an id not subscribed
    removes nothing; ids no recipient has are answered as unknown."""

    def __init__(self, topics: TopicRepository, tx: TransactionManager) -> None:
        self._topics = topics
        self._tx = tx

    async def __call__(
        self, requester: Caller, key: str, recipients: list[str]
    ) -> SubscriptionChange:
        require_scope(requester, Scope.TOPICS_WRITE)
        errors = FieldErrors()
        ids = subscriber_ids(recipients, errors)
        errors.raise_if_any()
        topic = await find_topic(self._topics, key)
        change = await self._topics.unsubscribe(topic.key, ids)
        await self._tx.commit()
        return change
