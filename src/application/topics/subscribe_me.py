from dataclasses import dataclass

from application.policy import Caller, require_self_service, require_user
from application.ports.clock import Clock
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.topics.find import find_topic
from domain.errors import NotFound
from domain.recipients import ExternalId
from domain.topics import Topic


@dataclass(frozen=True, slots=True)
class MySubscription:
    topic: Topic
    created: bool  # False: subscribed already, the subscription kept as it was


class SubscribeMe:
    """Subscribe the calling user's own recipient (`user:<username>`) to a self-service
    topic, on their own channels; a subscription already there is kept as it is. Users
    only (an API key is no user); NotFound for an unknown topic, PermissionDenied for one
    not self-service."""

    def __init__(self, topics: TopicRepository, clock: Clock, tx: TransactionManager) -> None:
        self._topics = topics
        self._clock = clock
        self._tx = tx

    async def __call__(self, requester: Caller, key: str) -> MySubscription:
        user = require_user(requester)
        topic = await find_topic(self._topics, key)
        require_self_service(topic)
        me = ExternalId.of_user(user.username.value).value
        change = await self._topics.subscribe(topic.key, [me], None, self._clock.now())
        if change.unknown:  # every account has its recipient, unless it was erased
            raise NotFound(f"there is no recipient {me!r}")
        await self._tx.commit()
        return MySubscription(topic, created=change.count == 1)
