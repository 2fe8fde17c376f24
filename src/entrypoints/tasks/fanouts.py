"""The expansion task (run by workers) and the recovery sweep of expansions (run by the
scheduler, or in-process by the embedded default)."""

import asyncio
import contextlib
import logging
from uuid import UUID

from dishka import AsyncContainer
from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from adapters.taskiq.fanouts import EXPAND_TASK
from application.fanouts.expand_fanout import ExpandFanout
from application.fanouts.recover_stalled import RecoverStalledFanouts
from entrypoints.settings import Settings

log = logging.getLogger("herald.fanouts")

SWEEP_SECONDS = 1.0


@inject(patch_module=True)
async def expand_fanout(fanout_id: str, part: int, expand: FromDishka[ExpandFanout]) -> int:
    return await expand(UUID(fanout_id), part)


def register(broker: AsyncBroker, settings: Settings) -> None:
    broker.register_task(expand_fanout, task_name=EXPAND_TASK)


async def run_fanout_recovery(container: AsyncContainer, stop: asyncio.Event | None = None) -> None:
    """Every second, re-queue the parts of expansions whose lease ran out, each sweep in
    a container scope of its own; a failing sweep is logged and tried again."""
    stopping = stop or asyncio.Event()
    while not await _stopped_within(stopping, SWEEP_SECONDS):
        try:
            async with container() as request:
                if requeued := await (await request.get(RecoverStalledFanouts))():
                    log.warning("re-queued %d stalled fan-out parts", requeued)
        except Exception:
            log.exception("fan-out recovery sweep failed; retrying")


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
