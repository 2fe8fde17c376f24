"""Upstream calls with bounded concurrency, handed on in the order they were started, up
to the first that fails."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from domain.errors import UpstreamUnavailable

T = TypeVar("T")


async def fetch_in_order(
    fetch: Callable[[], Coroutine[Any, Any, T]],
    count: int,
    concurrency: int,
    receive: Callable[[T], None],
) -> tuple[int, UpstreamUnavailable] | None:
    """Call `fetch` `count` times and pass each result to `receive` in the order of the
    calls, as soon as those before it are received.

    Fetch i starts once fetch i - `concurrency` has been received, so at most
    `concurrency` are in flight and at most that many results wait for an earlier one.
    The first fetch k that raises UpstreamUnavailable ends it: no fetch starts after
    that, those after k still in flight are cancelled and no result after k is received;
    those before k are still awaited and received. Returns (k, its error), or None when
    every fetch succeeded. Any other exception cancels everything in flight and
    propagates.
    """
    running: dict[int, asyncio.Task[T]] = {}
    results: dict[int, T] = {}
    failure: tuple[int, UpstreamUnavailable] | None = None
    started = received = 0
    try:
        while True:
            end = count if failure is None else failure[0]
            while received in results:
                receive(results.pop(received))
                received += 1
            if received == end:
                return failure
            while started < min(end, received + concurrency):
                running[started] = asyncio.create_task(fetch())
                started += 1
            finished, _ = await asyncio.wait(running.values(), return_when=asyncio.FIRST_COMPLETED)
            for index, task in list(running.items()):
                if task not in finished:
                    continue
                del running[index]
                if task.cancelled():
                    continue
                try:
                    results[index] = task.result()
                except UpstreamUnavailable as exc:
                    if failure is None or index < failure[0]:
                        failure = (index, exc)
                        for later, other in running.items():
                            if later > index:
                                other.cancel()
    finally:
        for task in running.values():
            task.cancel()
        await asyncio.gather(*running.values(), return_exceptions=True)
