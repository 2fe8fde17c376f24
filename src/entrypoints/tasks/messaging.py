"""Messaging's scheduled tasks: the offline fallback, every minute; the purge of live
events past their keeping, every hour."""

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from application.messaging.notify_unread import NotifyUnread
from application.messaging.purge_events import PurgeEvents
from entrypoints.settings import Settings


@inject(patch_module=True)
async def notify_unread_messages(notify: FromDishka[NotifyUnread]) -> int:
    return await notify()


@inject(patch_module=True)
async def purge_message_events(purge: FromDishka[PurgeEvents]) -> int:
    return await purge()


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(
        notify_unread_messages,
        task_name="herald.notify_unread_messages",
        schedule=[{"cron": "* * * * *"}],
    )
    broker.register_task(
        purge_message_events,
        task_name="herald.purge_message_events",
        schedule=[{"cron": "23 * * * *"}],
    )
