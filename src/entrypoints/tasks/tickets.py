"""Tickets' tasks: a text into a customer's Landbot chat (workers), and the auto-close of
tickets solved longer ago than the reopen window (scheduled every ten minutes)."""

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from adapters.taskiq.tickets import SEND_TASK
from application.tickets.close_solved import CloseSolvedTickets
from application.tickets.relay_to_landbot import RelayToLandbot
from entrypoints.settings import Settings


@inject(patch_module=True)
async def send_landbot_text(customer_id: str, text: str, relay: FromDishka[RelayToLandbot]) -> str:
    return str(await relay(customer_id, text))


@inject(patch_module=True)
async def close_solved_tickets(close: FromDishka[CloseSolvedTickets]) -> int:
    return await close()


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(send_landbot_text, task_name=SEND_TASK)
    broker.register_task(
        close_solved_tickets,
        task_name="herald.close_solved_tickets",
        schedule=[{"cron": "*/10 * * * *"}],
    )
