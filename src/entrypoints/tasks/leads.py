"""The task that acts on a stored Landbot message (run by workers; in-process in the
embedded default), and the sweep that hands over again those left unprocessed (on its
cron, every minute)."""

import logging

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from adapters.taskiq.leads import HANDLE_LANDBOT_TASK
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


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(handle_landbot_message, task_name=HANDLE_LANDBOT_TASK)
    broker.register_task(
        requeue_landbot_messages,
        task_name="herald.requeue_landbot_messages",
        schedule=[{"cron": "* * * * *"}],
    )
