"""The scheduler: exactly one per deployment; it sends due work into the broker."""

from taskiq import AsyncBroker, TaskiqScheduler
from taskiq.schedule_sources import LabelScheduleSource


def make_scheduler(broker: AsyncBroker) -> TaskiqScheduler:
    return TaskiqScheduler(broker, sources=[LabelScheduleSource(broker)])
