"""The dispatcher's scheduling policy, on a fake clock and a fake wake-up: nothing sleeps."""

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from application.notifications.dispatch_due import DispatchResult
from application.notifications.dispatcher import Dispatcher, DispatcherTiming
from tests.support.fakes import FakeClock

POLL = timedelta(seconds=1)
WINDOW = timedelta(seconds=0.03)


class FakeWakeup:
    """A wait ends at once when notified; else the clock jumps to its end."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self.notified = False
        self.sleeps: list[timedelta] = []  # how long each wait was asked to last
        self.listening: bool | None = None  # None: never started

    async def notify(self, due_at: datetime) -> None:
        self.notified = True

    async def start(self) -> None:
        self.listening = True

    async def wait(self, until: datetime) -> bool:
        self.sleeps.append(until - self._clock.now())
        if self.notified:
            self.notified = False
            return True
        self._clock.current = max(self._clock.current, until)
        return False

    async def close(self) -> None:
        self.listening = False


class ScriptedSteps:
    """Answers each dispatch with the next scripted result (raising it if it is an
    exception); a dispatch takes `round_time` on the clock."""

    def __init__(
        self,
        clock: FakeClock,
        results: Sequence[DispatchResult | Exception],
        recovered: Sequence[int] = (),
        round_time: timedelta = timedelta(0),
    ) -> None:
        self._clock = clock
        self._results = list(results)
        self._recovered = list(recovered)
        self._round_time = round_time
        self.refills: list[bool] = []
        self.counts = 0
        self.recoveries = 0
        self.done = asyncio.Event()  # set when the script has run out

    async def dispatch(self, *, refill: bool) -> DispatchResult:
        self.refills.append(refill)
        self._clock.current += self._round_time
        result = self._results.pop(0)
        if not self._results:
            self.done.set()
        if isinstance(result, Exception):
            raise result
        return result

    async def count_due(self) -> int:
        self.counts += 1
        return 0

    async def recover(self) -> int:
        self.recoveries += 1
        return self._recovered.pop(0) if self._recovered else 0


def idle(wake_at: datetime | None = None, dispatched: int = 0) -> DispatchResult:
    return DispatchResult(dispatched=dispatched, more_due=False, wake_at=wake_at)


FULL = DispatchResult(dispatched=1000, more_due=True, wake_at=None)


def dispatcher(
    clock: FakeClock, steps: ScriptedSteps, **timing: timedelta
) -> tuple[Dispatcher, FakeWakeup]:
    wakeup = FakeWakeup(clock)
    return Dispatcher(steps, wakeup, clock, DispatcherTiming(**timing)), wakeup


async def rounds(d: Dispatcher, count: int) -> None:
    for _ in range(count):
        await d.run_once()


async def test_it_sleeps_until_the_next_due_time_and_at_most_the_poll() -> None:
    clock = FakeClock()
    soon = clock.now() + timedelta(seconds=0.3)
    later = clock.now() + timedelta(seconds=5)
    steps = ScriptedSteps(clock, [idle(soon), idle(None), idle(later)])
    d, wakeup = dispatcher(clock, steps, poll=POLL)
    await rounds(d, 3)
    assert wakeup.sleeps == [timedelta(seconds=0.3), POLL, POLL]


async def test_a_full_batch_runs_the_next_round_at_once_reading_the_database() -> None:
    clock = FakeClock()
    steps = ScriptedSteps(clock, [FULL, FULL, idle()])
    d, wakeup = dispatcher(clock, steps)
    await rounds(d, 3)
    assert steps.refills == [True, True, True]
    assert len(wakeup.sleeps) == 1  # only after the last, not full, round


async def test_only_a_wake_up_makes_the_next_round_read_the_database() -> None:
    clock = FakeClock()
    steps = ScriptedSteps(clock, [idle(), idle(), idle()])
    d, wakeup = dispatcher(clock, steps)
    await d.run_once()  # the first round reads; its wait times out
    await wakeup.notify(clock.now())
    await rounds(d, 2)  # the second does not read; its wait is woken
    assert steps.refills == [True, False, True]


async def test_after_a_hand_off_it_lets_a_batch_window_pass_first() -> None:
    clock = FakeClock()
    due = clock.now() + timedelta(seconds=0.5)
    steps = ScriptedSteps(clock, [idle(due, dispatched=3), idle(dispatched=1), idle()])
    d, wakeup = dispatcher(clock, steps, poll=POLL, batch_window=WINDOW)
    await d.run_once()
    assert wakeup.sleeps == [WINDOW, timedelta(seconds=0.5) - WINDOW]
    await wakeup.notify(clock.now())  # new work announced: it ends the next window...
    await d.run_once()
    assert wakeup.sleeps[2:] == [WINDOW]  # ...and the round with it
    await d.run_once()
    assert steps.refills == [True, False, True]


async def test_recovery_and_counting_run_once_per_interval() -> None:
    clock = FakeClock()
    step = timedelta(seconds=0.25)
    steps = ScriptedSteps(clock, [idle(clock.now() + step * (i + 1)) for i in range(8)])
    d, _ = dispatcher(clock, steps)
    await rounds(d, 8)  # two seconds of rounds every 250 ms
    assert (steps.recoveries, steps.counts) == (2, 2)


async def test_what_recovery_re_schedules_is_read_at_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    steps = ScriptedSteps(clock, [idle(), idle()], recovered=[3])
    d, wakeup = dispatcher(clock, steps)
    await rounds(d, 2)
    assert steps.refills == [True, True]
    assert len(wakeup.sleeps) == 1  # no sleep after the round that recovered
    assert "re-scheduled 3 stalled notifications" in caplog.text


async def test_counting_goes_on_while_full_batches_keep_it_busy() -> None:
    clock = FakeClock()
    steps = ScriptedSteps(clock, [FULL] * 6, round_time=timedelta(seconds=0.5))
    d, wakeup = dispatcher(clock, steps)
    await rounds(d, 6)
    assert (steps.counts, steps.recoveries, wakeup.sleeps) == (3, 0, [])


async def test_a_failing_round_is_logged_and_retried_reading_the_database(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    steps = ScriptedSteps(clock, [idle(), RuntimeError("database down"), idle()])
    d, wakeup = dispatcher(clock, steps, error_backoff=timedelta(0))
    await asyncio.wait_for(d.run(steps.done), timeout=5)
    assert steps.refills == [True, False, True]
    assert "dispatcher round failed; retrying" in caplog.text
    assert "database down" in caplog.text
    assert wakeup.listening is False  # started, then closed


async def test_run_ends_between_rounds_once_stopped_and_stops_listening() -> None:
    clock = FakeClock()
    steps = ScriptedSteps(clock, [idle()])  # the one round sets `done`
    d, wakeup = dispatcher(clock, steps)
    await asyncio.wait_for(d.run(steps.done), timeout=5)
    assert (steps.refills, wakeup.sleeps) == ([True], [POLL])  # that round still ended
    assert wakeup.listening is False
