from application.ports.clock import Clock
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from application.tickets.config import TicketsConfig
from domain.tickets import TOPIC_PREFIX, URGENT_TOPIC, staff_topic


class PrepareStaffTopics:
    """Make the staff's topics that do not exist yet, as self-service topics agents
    subscribe themselves to (`PUT /me/topics/{key}`): `tickets.<topic>` for each
    configured ticket topic, and `tickets.urgent`. Run when an API process starts; a
    topic already there (an admin may have renamed it) is left as it is. Answers the
    keys made."""

    def __init__(
        self, topics: TopicRepository, clock: Clock, tx: TransactionManager, config: TicketsConfig
    ) -> None:
        self._topics = topics
        self._clock = clock
        self._tx = tx
        self._config = config

    async def __call__(self) -> list[str]:
        made: list[str] = []
        keys = [TOPIC_PREFIX + t for t in self._config.topics] + [URGENT_TOPIC]
        for key in keys:
            if await self._topics.get(key) is None:
                await self._topics.save(staff_topic(key, self._clock.now()))
                made.append(key)
        await self._tx.commit()
        return made
