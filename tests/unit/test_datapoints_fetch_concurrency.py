"""PopulateDataPoints with concurrent fetches: at most N in flight, the report in the order
of the fetches, and the first failure ends fetching. The source here answers each fetch
when the test says so, so every interleaving is chosen, not timed."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from adapters.memory.transactions import InMemoryTransactionManager
from application.datapoints.populate import IngestionReport, PopulateCommand, PopulateDataPoints
from application.ports.datapoints import UpstreamMalformed
from domain.errors import UpstreamUnavailable
from tests.support.container import Fakes, use_cases

NOW = datetime(2024, 4, 22, 15, 0, tzinfo=UTC)
DOWN = UpstreamUnavailable("the upstream answered HTTP 503")


def point(k: int) -> dict[str, object]:
    """Fetch k's point: its time and its first byte say which fetch it came from."""
    return {"time": NOW.timestamp() - 100 + k, "value": [k, 0, 128, 63], "tags": []}


class GatedSource:
    """Fetch i waits until the test answers it (a document or an exception)."""

    def __init__(self) -> None:
        self.gates: list[asyncio.Future[object]] = []
        self.cancelled: set[int] = set()
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def started(self) -> int:
        return len(self.gates)

    async def fetch(self) -> object:
        index = len(self.gates)
        gate = asyncio.get_running_loop().create_future()
        self.gates.append(gate)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await gate
        except asyncio.CancelledError:
            self.cancelled.add(index)
            raise
        finally:
            self.in_flight -= 1

    def answer(self, index: int, document: object) -> None:
        self.gates[index].set_result(document)

    def fail(self, index: int, error: Exception) -> None:
        self.gates[index].set_exception(error)


class Run(Fakes):
    """PopulateDataPoints as the container builds it, started on the gated source."""

    source: GatedSource
    tx: InMemoryTransactionManager
    task: asyncio.Task[IngestionReport]

    def fetches_stored(self) -> list[int]:
        return [p.raw[0] for p in self.points.added]

    async def report(self) -> IngestionReport:
        return await asyncio.wait_for(self.task, 2)


Start = Callable[..., Awaitable[Run]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Starts fetching `count` times, at most `concurrency` at once."""
    async with AsyncExitStack() as stack:

        async def begin(*, count: int, concurrency: int) -> Run:
            run = Run(NOW)
            run.source = GatedSource()
            settings = {"data_upstream_concurrency": concurrency}
            request = await stack.enter_async_context(use_cases(run, **settings))
            run.tx = await request.get(InMemoryTransactionManager)
            populate = await request.get(PopulateDataPoints)
            run.task = asyncio.create_task(populate(PopulateCommand(count)))
            return run

        yield begin


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def settle() -> None:
    """Let everything that is ready run, so a fetch that should not start would have."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_up_to_n_fetches_in_flight_and_the_report_in_fetch_order(start: Start) -> None:
    run = await start(count=8, concurrency=3)
    source = run.source
    await until(lambda: source.started == 3)
    await settle()
    assert source.started == 3
    # Later fetches answer first; fetch 0 holds the window until it answers.
    source.answer(2, point(2))
    source.fail(1, UpstreamMalformed("the upstream answer is not JSON", "<html>"))
    await settle()
    assert source.started == 3
    source.answer(0, [point(0), {**point(0), "value": [1, 2, 3]}])
    await until(lambda: source.started == 6)
    for index in (5, 4, 3):
        source.answer(index, point(index))
    await until(lambda: source.started == 8)
    source.answer(7, point(7))
    source.answer(6, "a string")
    report = await run.report()

    assert source.most_in_flight == 3
    assert run.fetches_stored() == [0, 2, 3, 4, 5, 7]
    assert [r.raw for r in report.rejected] == [
        '{"time": 1713797900.0, "value": [1, 2, 3], "tags": []}',
        "<html>",
        '"a string"',
    ]
    assert (report.fetched, report.stored, report.rejected_count) == (9, 6, 3)
    assert report.upstream_error is None
    assert run.tx.commits == 1


async def test_a_failure_in_the_middle_drops_later_fetches_and_cancels_those_in_flight(
    start: Start,
) -> None:
    run = await start(count=10, concurrency=4)
    source = run.source
    await until(lambda: source.started == 4)
    source.answer(0, point(0))
    await until(lambda: source.started == 5)
    source.answer(1, point(1))
    await until(lambda: source.started == 6)
    source.answer(4, point(4))  # after the failure to come, though done before it
    await settle()
    source.fail(3, DOWN)
    await until(lambda: source.cancelled == {5})  # in flight after the failure
    await settle()
    source.answer(2, point(2))  # before the failure: still awaited and kept
    report = await run.report()

    assert source.started == 6  # none started after the failure
    assert run.fetches_stored() == [0, 1, 2]
    assert report.upstream_error == "fetch 4 of 10: the upstream answered HTTP 503"
    assert (report.fetched, report.stored) == (3, 3)
    assert run.tx.commits == 1


async def test_no_fetch_starts_after_a_failure_while_earlier_ones_finish(start: Start) -> None:
    run = await start(count=10, concurrency=4)
    source = run.source
    await until(lambda: source.started == 4)
    source.fail(3, DOWN)
    await settle()
    for index in (0, 1, 2):  # each would open a slot in the window
        source.answer(index, point(index))
        await settle()
    report = await run.report()
    assert source.started == 4
    assert run.fetches_stored() == [0, 1, 2]
    assert report.upstream_error == "fetch 4 of 10: the upstream answered HTTP 503"


async def test_an_earlier_failure_wins_over_a_later_one(start: Start) -> None:
    run = await start(count=6, concurrency=3)
    source = run.source
    await until(lambda: source.started == 3)
    source.answer(0, point(0))
    await until(lambda: source.started == 4)
    source.fail(3, DOWN)
    await settle()
    source.fail(1, UpstreamUnavailable("the upstream timed out"))
    await until(lambda: source.cancelled == {2})
    report = await run.report()
    assert source.started == 4
    assert run.fetches_stored() == [0]
    assert report.upstream_error == "fetch 2 of 6: the upstream timed out"


async def test_the_first_fetch_failing_fails_the_call_even_after_later_successes(
    start: Start,
) -> None:
    run = await start(count=5, concurrency=4)
    source = run.source
    await until(lambda: source.started == 4)
    source.answer(1, point(1))
    source.answer(2, point(2))
    await settle()
    source.fail(0, DOWN)
    with pytest.raises(UpstreamUnavailable):
        await run.report()
    assert source.cancelled == {3}
    assert source.started == 4
    assert run.points.added == []
    assert run.tx.commits == 0


async def test_a_cancelled_call_cancels_its_fetches(start: Start) -> None:
    run = await start(count=5, concurrency=2)
    await until(lambda: run.source.started == 2)
    run.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run.task
    assert run.source.cancelled == {0, 1}
    assert run.source.in_flight == 0
