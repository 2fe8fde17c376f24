"""Finding a topic by key, for the use cases that read or change one."""

from application.ports.topics import TopicRepository
from domain.errors import FieldErrors, NotFound
from domain.topics import Topic, topic_key


async def find_topic(topics: TopicRepository, raw_key: str) -> Topic:
    """The topic, or NotFound; a key that cannot exist is a bad field."""
    errors = FieldErrors()
    key = errors.check("key", topic_key, raw_key)
    errors.raise_if_any()
    found = await topics.get(key)
    if found is None:
        raise NotFound(f"no topic with key {key!r}")
    return found
