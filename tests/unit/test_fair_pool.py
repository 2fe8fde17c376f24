"""FairQueue, the idle connections of the PostgreSQL engine's pool: first come first
served, a returned connection never taken ahead of a waiter."""

import asyncio

import pytest
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from adapters.sql.fair_pool import FairQueue


async def _waiting(queue: FairQueue[str], got: list[str], name: str) -> asyncio.Task[None]:
    async def wait() -> None:
        got.append(f"{name}:{await greenlet_spawn(queue.get, True, 5.0)}")

    task = asyncio.create_task(wait())
    await asyncio.sleep(0.01)  # it waits before the next one comes
    return task


async def test_a_returned_connection_goes_to_the_oldest_waiter_not_to_a_newcomer() -> None:
    queue: FairQueue[str] = FairQueue(3)
    got: list[str] = []
    first, second = await _waiting(queue, got, "first"), await _waiting(queue, got, "second")
    queue.put_nowait("a")
    # A checkout in the same turn as the return, before the woken waiter runs: the
    # queue of SQLAlchemy's pool would hand it "a" at once.
    newcomer = asyncio.create_task(greenlet_spawn(queue.get, True, 5.0))
    await asyncio.sleep(0.01)
    assert got == ["first:a"]
    assert not newcomer.done()
    queue.put_nowait("b")
    queue.put_nowait("c")
    await asyncio.gather(first, second)
    assert got == ["first:a", "second:b"]
    assert await newcomer == "c"
    assert queue.qsize() == 0


async def test_an_idle_connection_is_taken_without_waiting_first_in_first_out() -> None:
    queue: FairQueue[str] = FairQueue(3)
    for item in "abc":
        queue.put_nowait(item)
    assert queue.full()
    assert [await greenlet_spawn(queue.get, True, 0.0) for _ in range(3)] == ["a", "b", "c"]
    with pytest.raises(Empty):
        queue.get_nowait()


async def test_lifo_hands_out_the_latest_returned() -> None:
    queue: FairQueue[str] = FairQueue(2, use_lifo=True)
    queue.put_nowait("a")
    queue.put_nowait("b")
    assert queue.get_nowait() == "b"


async def test_a_wait_past_its_timeout_is_empty_and_leaves_no_waiter_behind() -> None:
    queue: FairQueue[str] = FairQueue(2)
    with pytest.raises(Empty):
        await greenlet_spawn(queue.get, True, 0.05)
    queue.put_nowait("a")  # kept, not handed to the waiter that gave up
    assert queue.qsize() == 1


async def test_a_connection_handed_to_a_waiter_canceled_meanwhile_goes_to_the_next() -> None:
    queue: FairQueue[str] = FairQueue(2)
    got: list[str] = []
    canceled, next_one = await _waiting(queue, got, "canceled"), await _waiting(queue, got, "next")
    queue.put_nowait("a")  # handed to the first waiter, which is canceled before it runs
    canceled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await canceled
    await next_one
    assert got == ["next:a"]
    assert queue.qsize() == 0
