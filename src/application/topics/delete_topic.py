from application.policy import Caller, require_scope
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.topics.find import find_topic
from domain.api_keys import Scope


class DeleteTopic:
    """Delete a topic and its subscriptions (the recipients stay). Admins, or keys with
    topics:write; NotFound for an unknown key."""

    def __init__(self, topics: TopicRepository, tx: TransactionManager) -> None:
        self._topics = topics
        self._tx = tx

    async def __call__(self, requester: Caller, key: str) -> None:
        require_scope(requester, Scope.TOPICS_WRITE)
        topic = await find_topic(self._topics, key)
        await self._topics.delete(topic.key)
        await self._tx.commit()
