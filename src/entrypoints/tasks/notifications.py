"""The delivery task and the worker's warm-up (run by workers); the dispatcher, wired to
the container and the broker (run by the scheduler, or in-process by the embedded
default)."""

import asyncio
from uuid import UUID

from dishka import AsyncContainer
from dishka.integrations.taskiq import FromDishka, inject
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker

from adapters.taskiq.notifications import DELIVER_TASK, TaskiqSendQueue
from adapters.twilio.notifications import TwilioSmsSender
from application.notifications.count_due import CountDueNotifications
from application.notifications.deliver_notifications import DeliverNotifications
from application.notifications.dispatch_due import DispatchDueNotifications, DispatchResult
from application.notifications.dispatcher import Dispatcher, DispatcherTiming
from application.notifications.recover_stalled import RecoverStalledDeliveries
from application.ports.clock import Clock
from application.ports.notifications import DispatcherWakeup, EmailSender, SendQueue, SmsSender
from entrypoints.settings import Settings


@inject(patch_module=True)
async def deliver_notifications(ids: list[str], deliver: FromDishka[DeliverNotifications]) -> int:
    outcomes = await deliver([UUID(i) for i in ids])
    return len(outcomes)


async def warm_up(container: AsyncContainer) -> None:
    """Pay a fresh worker's one-time costs before the first due send, not during it:
    the senders and their HTTP clients, a database connection, Twilio's SDK."""
    sms = await container.get(SmsSender)
    if isinstance(sms, TwilioSmsSender):
        sms.warm_up()
    await container.get(EmailSender)
    engine = await container.get(AsyncEngine)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(deliver_notifications, task_name=DELIVER_TASK)


class _ScopedSteps:
    """Each step of the dispatcher in a container scope, so a unit of work, of its own."""

    def __init__(self, container: AsyncContainer, queue: SendQueue) -> None:
        self._container = container
        self._queue = queue

    async def dispatch(self, *, refill: bool) -> DispatchResult:
        # Only the dispatcher hands work to workers: it passes its queue in.
        async with self._container(context={SendQueue: self._queue}) as request:
            return await (await request.get(DispatchDueNotifications))(refill=refill)

    async def count_due(self) -> int:
        async with self._container() as request:
            return await (await request.get(CountDueNotifications))()

    async def recover(self) -> int:
        async with self._container() as request:
            return await (await request.get(RecoverStalledDeliveries))()


async def run_dispatcher(
    container: AsyncContainer, broker: AsyncBroker, stop: asyncio.Event | None = None
) -> None:
    """Run the dispatcher on this container's bindings, handing work over `broker`."""
    dispatcher = Dispatcher(
        _ScopedSteps(container, TaskiqSendQueue(broker)),
        await container.get(DispatcherWakeup),
        await container.get(Clock),
        await container.get(DispatcherTiming),
    )
    await dispatcher.run(stop)
