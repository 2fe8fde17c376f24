"""The task that acts on a stored Landbot message (run by workers; in-process in the
embedded default), the sweep that hands over again those left unprocessed (every
minute), and the one that deletes them 30 days after they were processed (hourly)."""

import logging

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from adapters.taskiq.leads import HANDLE_LANDBOT_TASK
from application.leads.forget_messages import ForgetLandbotMessages
from application.leads.handle_message import HandleLandbotMessage
from application.leads.requeue_messages import RequeueLandbotMessages
from entrypoints.settings import Settings

log = logging.getLogger("herald.leads")


@inject(patch_module=True)
async def handle_landbot_message(key: str, handle: FromDishka[HandleLandbotMessage]) -> str | None:
    done = await handle(key)
    lead = None if done.lead is None else str(done.lead.id)
    log.info(
        "landbot message handled",
        extra={"key": key, "lead": lead, "new_lead": done.created, "on_ticket": done.on_ticket},
    )
    return lead


@inject(patch_module=True)
async def requeue_landbot_messages(requeue: FromDishka[RequeueLandbotMessages]) -> int:
    return await requeue()


@inject(patch_module=True)
async def forget_landbot_messages(forget: FromDishka[ForgetLandbotMessages]) -> int:
    return await forget()


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(handle_landbot_message, task_name=HANDLE_LANDBOT_TASK)
    broker.register_task(
        requeue_landbot_messages,
        task_name="herald.requeue_landbot_messages",
        schedule=[{"cron": "* * * * *"}],
    )
    broker.register_task(
        forget_landbot_messages,
        task_name="herald.forget_landbot_messages",
        schedule=[{"cron": "17 * * * *"}],
    )
