"""The task that acts on an inbound SMS (run by workers; in-process in the embedded
default), and on their crons the expiry sweep of unconfirmed subscriptions and the sweep
that hands over again inbound SMS whose task was lost."""

import logging

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from adapters.taskiq.subscriptions import HANDLE_INBOUND_TASK
from application.subscriptions.expire_subscriptions import ExpireSubscriptions
from application.subscriptions.handle_sms import HandleSms
from application.subscriptions.requeue_inbound import RequeueInbound
from entrypoints.settings import Settings

log = logging.getLogger("herald.subscriptions")


@inject(patch_module=True)
async def handle_inbound_sms(message_sid: str, handle: FromDishka[HandleSms]) -> str | None:
    done = await handle(message_sid)
    reading = done.classification
    log.info(
        "inbound sms handled",
        extra={
            "sid": message_sid,
            "intent": None if reading is None else reading.intent.value,
            "classifier": None if reading is None else reading.classifier,
            "replied": None if done.replied is None else done.replied.value,
        },
    )
    return None if reading is None else reading.intent.value


@inject(patch_module=True)
async def expire_subscriptions(expire: FromDishka[ExpireSubscriptions]) -> int:
    return await expire()


@inject(patch_module=True)
async def requeue_inbound_sms(requeue: FromDishka[RequeueInbound]) -> int:
    handed = await requeue()
    if handed:
        log.warning("inbound sms handed over again", extra={"count": handed})
    return handed


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(handle_inbound_sms, task_name=HANDLE_INBOUND_TASK)
    broker.register_task(
        expire_subscriptions,
        task_name="herald.expire_subscriptions",
        schedule=[{"cron": settings.subscriptions.expire_cron}],
    )
    broker.register_task(
        requeue_inbound_sms,
        task_name="herald.requeue_inbound_sms",
        schedule=[{"cron": settings.subscriptions.requeue_cron}],
    )
