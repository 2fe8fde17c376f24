from dataclasses import dataclass

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.topics import Topic, topic_description, topic_key, topic_name


@dataclass(frozen=True, slots=True)
class SaveTopicCommand:
    requester: Caller
    key: str
    name: str
    description: str
    self_service: bool


@dataclass(frozen=True, slots=True)
class SavedTopic:
    topic: Topic
    created: bool


class SaveTopic:
    """Create the topic with this key, or replace it (a PUT). Admins, or keys with
    topics:write. The key is 1-100 of a-z, 0-9 and `_ . : -`, the name 1-200 printable
    characters, the description at most 500. Replacing keeps the subscriptions and the
    creation time."""

    def __init__(self, topics: TopicRepository, clock: Clock, tx: TransactionManager) -> None:
        self._topics = topics
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: SaveTopicCommand) -> SavedTopic:
        require_scope(cmd.requester, Scope.TOPICS_WRITE)
        errors = FieldErrors()
        key = errors.check("key", topic_key, cmd.key)
        name = errors.check("name", topic_name, cmd.name)
        description = errors.check("description", topic_description, cmd.description)
        errors.raise_if_any()
        current = await self._topics.get(key)
        now = self._clock.now()
        created_at = now if current is None else current.created_at
        topic = Topic(key, name, description, cmd.self_service, created_at, now)
        await self._topics.save(topic)
        await self._tx.commit()
        return SavedTopic(topic, created=current is None)
