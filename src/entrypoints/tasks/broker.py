"""The Taskiq broker (in-memory in the embedded default, Redis streams in production),
its tasks and their schedules, wired to the same dishka container as the API."""

from dishka import AsyncContainer
from dishka.integrations.taskiq import setup_dishka
from taskiq import AsyncBroker, InMemoryBroker

from adapters.taskiq.stream_broker import StreamBroker
from entrypoints.settings import Settings
from entrypoints.tasks import (
    accounts,
    datapoints,
    fanouts,
    leads,
    messaging,
    notifications,
    subscriptions,
    tickets,
)
from entrypoints.tasks.log_context import TaskLogContext


def make_broker(settings: Settings, container: AsyncContainer) -> AsyncBroker:
    broker: AsyncBroker
    if settings.mode.redis_url is None:
        broker = InMemoryBroker()
    else:
        # Streams with a consumer group: a message is acknowledged only after its task
        # ran, so a worker killed mid-task leaves it to be claimed again.
        broker = StreamBroker(
            settings.mode.redis_url,
            queue_name=settings.mode.task_queue,
            consumer_group_name=settings.mode.task_queue,
            # A worker killed while holding the reclaim lock must not block the others.
            unacknowledged_lock_timeout=5,
            consumer_id="0",  # a new group also gets what was sent before it existed
            maxlen=500_000,  # acknowledged entries stay in a stream; keep it bounded
        )
    broker.add_middlewares(TaskLogContext())
    # One line per capability with tasks.
    accounts.register(broker, settings)
    notifications.register(broker, settings)
    datapoints.register(broker, settings)
    fanouts.register(broker, settings)
    subscriptions.register(broker, settings)
    messaging.register(broker, settings)
    leads.register(broker, settings)
    tickets.register(broker, settings)
    setup_dishka(container, broker)
    return broker
