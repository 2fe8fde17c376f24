"""The Taskiq broker (in-memory in the embedded default, Redis streams in production),
its tasks and their schedules, wired to the same dishka container as the API."""

from dishka import AsyncContainer
from dishka.integrations.taskiq import setup_dishka
from taskiq import AsyncBroker, InMemoryBroker
from taskiq_redis import RedisStreamBroker

from entrypoints.settings import Settings
from entrypoints.tasks import datapoints, housekeeping
from entrypoints.tasks.log_context import TaskLogContext


def make_broker(settings: Settings, container: AsyncContainer) -> AsyncBroker:
    broker: AsyncBroker
    if settings.redis_url is None:
        broker = InMemoryBroker()
    else:
        # Streams with a consumer group: a message is acknowledged only after its task
        # ran, so a worker killed mid-task leaves it to be claimed again.
        broker = RedisStreamBroker(
            settings.redis_url, queue_name="herald", consumer_group_name="herald"
        )
    broker.add_middlewares(TaskLogContext())
    housekeeping.register(broker, settings)
    datapoints.register(broker, settings)
    setup_dishka(container, broker)
    return broker
