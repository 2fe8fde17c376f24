"""The dispatcher: the scheduler's loop that hands due notifications to the workers."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.notifications.dispatch_due import DispatchResult
from application.ports.clock import Clock
from application.ports.notifications import DispatcherWakeup

log = logging.getLogger("herald.dispatcher")


class DispatcherSteps(Protocol):
    """The use cases a round runs, each in a unit of work of its own (the host opens one
    per call; in Herald, a container scope)."""

    async def dispatch(self, *, refill: bool) -> DispatchResult:
        """DispatchDueNotifications."""
        ...

    async def count_due(self) -> int:
        """CountDueNotifications."""
        ...

    async def recover(self) -> int:
        """RecoverStalledDeliveries: how many stalled notifications it re-scheduled."""
        ...


@dataclass(frozen=True, slots=True)
class DispatcherTiming:
    poll: timedelta = timedelta(seconds=1)  # the longest it sleeps without a wake-up
    batch_window: timedelta = timedelta(seconds=0.03)  # least time between two hand-offs
    recovery_interval: timedelta = timedelta(seconds=1)
    count_interval: timedelta = timedelta(seconds=1)
    error_backoff: timedelta = timedelta(seconds=1)


class Dispatcher:
    """Hand each notification to the workers the moment it falls due.

    Rules: Taskiq's own scheduler re-reads its sources once a minute and fires on whole
    seconds; timed sends need milliseconds. So each round claims the rows due within a
    short look-ahead and hands over those due now (DispatchDueNotifications), then sleeps
    exactly until the next due time, or less when a wake-up says new work arrived, or at
    most `poll`. A full batch runs the next round at once; a wake-up makes it read the
    database again. After a hand-off it waits `batch_window` before the next one, so a
    worker message carries several sends instead of one. About once per interval it
    runs the recovery sweep (what it re-schedules is read at once) and counts what is
    due and not handed over yet (for the metrics; also while full batches keep it
    busy). A failing round is logged and retried after `error_backoff`, reading the
    database again: database and broker outages are survived.
    """

    def __init__(
        self,
        steps: DispatcherSteps,
        wakeup: DispatcherWakeup,
        clock: Clock,
        timing: DispatcherTiming,
    ) -> None:
        self._steps = steps
        self._wakeup = wakeup
        self._clock = clock
        self._timing = timing
        self._refill = True  # read the database on the first round
        self._counted: datetime | None = None
        self._recovered: datetime | None = None

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run until cancelled or `stop` is set (then it ends between rounds, never inside
        a step)."""
        stopping = stop or asyncio.Event()
        await self._wakeup.start()
        try:
            while not stopping.is_set():
                try:
                    await self.run_once()
                except Exception:
                    log.exception("dispatcher round failed; retrying")
                    self._refill = True
                    # A plain sleep: the wake-up may be what failed.
                    await asyncio.sleep(self._timing.error_backoff.total_seconds())
        finally:
            await self._wakeup.close()

    async def run_once(self) -> None:
        """One round: hand over what is due, then sleep until the next round is needed."""
        result = await self._steps.dispatch(refill=self._refill)
        self._refill = result.more_due
        if self._time_for(self._counted, self._timing.count_interval):
            self._counted = self._clock.now()
            await self._steps.count_due()
        if self._refill:
            return
        if self._time_for(self._recovered, self._timing.recovery_interval):
            self._recovered = self._clock.now()
            if recovered := await self._steps.recover():
                log.warning("re-scheduled %d stalled notifications", recovered)
                self._refill = True
                return
        if result.dispatched and await self._wakeup.wait(
            self._clock.now() + self._timing.batch_window
        ):
            self._refill = True
            return
        until = self._clock.now() + self._timing.poll
        if result.wake_at is not None:
            until = min(until, result.wake_at)
        if until > self._clock.now():
            self._refill = await self._wakeup.wait(until)

    def _time_for(self, last: datetime | None, interval: timedelta) -> bool:
        return last is None or self._clock.now() - last >= interval
