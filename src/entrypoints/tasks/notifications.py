"""The delivery task (run by workers) and the dispatcher loop (run by the scheduler).

Taskiq's own scheduler re-reads its sources once a minute and fires on whole seconds;
timed sends need milliseconds. So the scheduler process runs this loop beside it: it
claims the rows due within a short look-ahead, hands each to the workers the moment it
falls due, and sleeps exactly until the next due time, or less when a wake-up says new
work arrived (Redis pub/sub or an in-process event), or at most `notify_poll_seconds`.
About once a second it also runs the recovery sweep and counts what is due and not handed
over yet (for the metrics; also while full batches keep it busy).
"""

import asyncio
import importlib
import logging
import time
from datetime import UTC, datetime
from uuid import UUID

from dishka import AsyncContainer
from dishka.integrations.taskiq import FromDishka, inject
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker

from adapters.memory.wakeup import InProcessWakeup
from adapters.taskiq.notifications import DELIVER_TASK, TaskiqSendQueue
from application.notifications.count_due import CountDueNotifications
from application.notifications.deliver_notifications import DeliverNotifications
from application.notifications.dispatch_due import DispatchDueNotifications
from application.notifications.recover_stalled import RecoverStalledDeliveries
from application.ports.notifications import EmailSender, SendQueue, SmsSender
from entrypoints.settings import Settings

log = logging.getLogger("herald.dispatcher")
RECOVERY_INTERVAL_SECONDS = 1.0
COUNT_INTERVAL_SECONDS = 1.0
ERROR_BACKOFF_SECONDS = 1.0


@inject(patch_module=True)
async def deliver_notifications(ids: list[str], deliver: FromDishka[DeliverNotifications]) -> int:
    outcomes = await deliver([UUID(i) for i in ids])
    return len(outcomes)


async def warm_up(container: AsyncContainer) -> None:
    """Pay a fresh worker's one-time costs before the first due send, not during it:
    the senders and their HTTP clients, a database connection, and the Twilio SDK's
    lazily imported Messages API (over a second on a busy machine)."""
    await container.get(SmsSender)
    await container.get(EmailSender)
    engine = await container.get(AsyncEngine)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    importlib.import_module("twilio.rest.api.v2010.account.message")


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(deliver_notifications, task_name=DELIVER_TASK)


async def run_dispatcher(
    container: AsyncContainer,
    broker: AsyncBroker,
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until cancelled or `stop` is set (then it ends between rounds, never inside a
    database call); survives database or broker outages by retrying."""
    wakeup = await container.get(InProcessWakeup)
    queue = TaskiqSendQueue(broker)
    stopping = stop or asyncio.Event()
    await wakeup.start()
    last_recovery = last_count = 0.0
    refill = True  # read the database on the first round
    try:
        while not stopping.is_set():
            try:
                async with container(context={SendQueue: queue}) as request:
                    dispatch = await request.get(DispatchDueNotifications)
                    result = await dispatch(refill=refill)
                refill = result.more_due
                if time.monotonic() - last_count >= COUNT_INTERVAL_SECONDS:
                    last_count = time.monotonic()
                    async with container() as request:
                        await (await request.get(CountDueNotifications))()
                if refill:
                    continue
                if time.monotonic() - last_recovery >= RECOVERY_INTERVAL_SECONDS:
                    last_recovery = time.monotonic()
                    async with container() as request:
                        if recovered := await (await request.get(RecoverStalledDeliveries))():
                            log.warning("re-scheduled %d stalled notifications", recovered)
                            refill = True
                            continue
                if result.dispatched:
                    # Let a few more fall due before the next hand-off: a worker message
                    # then carries several sends instead of one.
                    await asyncio.sleep(settings.delivery.batch_window_seconds)
                timeout = settings.delivery.poll_seconds
                if result.wake_at is not None:
                    timeout = min(timeout, (result.wake_at - datetime.now(UTC)).total_seconds())
                if timeout > 0:
                    refill = await wakeup.wait(timeout)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher round failed; retrying")
                refill = True
                await asyncio.sleep(ERROR_BACKOFF_SECONDS)
    finally:
        await wakeup.close()
