"""Messaging's scheduled task: the offline fallback, every minute."""

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from application.messaging.notify_unread import NotifyUnread
from entrypoints.settings import Settings


@inject(patch_module=True)
async def notify_unread_messages(notify: FromDishka[NotifyUnread]) -> int:
    return await notify()


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(
        notify_unread_messages,
        task_name="herald.notify_unread_messages",
        schedule=[{"cron": "* * * * *"}],
    )
