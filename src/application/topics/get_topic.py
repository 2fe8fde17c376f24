from dataclasses import dataclass

from application.policy import Caller, require_scope
from application.ports.topics import TopicRepository
from application.topics.find import find_topic
from domain.api_keys import Scope
from domain.topics import Topic


@dataclass(frozen=True, slots=True)
class TopicWithCount:
    topic: Topic
    subscribers: int


class GetTopic:
    """One topic and how many subscribers it has. Admins, or keys with topics:write;
    NotFound for an unknown key."""

    def __init__(self, topics: TopicRepository) -> None:
        self._topics = topics

    async def __call__(self, requester: Caller, key: str) -> TopicWithCount:
        require_scope(requester, Scope.TOPICS_WRITE)
        topic = await find_topic(self._topics, key)
        return TopicWithCount(topic, await self._topics.count_subscribers(topic.key))
