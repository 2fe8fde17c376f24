from dataclasses import dataclass

from application.policy import Caller, require_scope
from application.ports.clock import Clock
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.topics.find import find_topic
from domain.api_keys import Scope
from domain.errors import FieldErrors
from domain.topics import SubscriptionChange, channel_override, subscriber_ids


@dataclass(frozen=True, slots=True)
class AddSubscribersCommand:
    requester: Caller
    key: str
    recipients: list[str]  # external ids
    channels: list[str] | None = None  # the override for this topic; None: their own


class AddSubscribers:
    """Subscribe 1 to 1,000 recipients, by external id, to a topic. Admins, or keys with
    topics:write; NotFound for an unknown topic. Idempotent: an id already subscribed (or
    sent twice) adds nothing; it takes `channels` as its override when given, and keeps
    the one it had otherwise. Ids no recipient has are answered as unknown, the others
    subscribed all the same."""

    def __init__(self, topics: TopicRepository, clock: Clock, tx: TransactionManager) -> None:
        self._topics = topics
        self._clock = clock
        self._tx = tx

    async def __call__(self, cmd: AddSubscribersCommand) -> SubscriptionChange:
        require_scope(cmd.requester, Scope.TOPICS_WRITE)
        errors = FieldErrors()
        ids = subscriber_ids(cmd.recipients, errors)
        channels = (
            None
            if cmd.channels is None
            else errors.check("channels", channel_override, cmd.channels)
        )
        errors.raise_if_any()
        topic = await find_topic(self._topics, cmd.key)
        change = await self._topics.subscribe(topic.key, ids, channels, self._clock.now())
        await self._tx.commit()
        return change
