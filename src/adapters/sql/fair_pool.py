"""SQLAlchemy's asyncio connection pool, with connections handed out in the order they
were asked for.

SQLAlchemy's `AsyncAdaptedQueuePool` keeps its idle connections in an `asyncio.Queue`,
and a checkout takes one without waiting whenever one is there. A connection returned
while requests wait wakes the first of them, but a request that arrives before the woken
one runs takes it; the woken one finds the queue empty and waits again, at the back. So
with more requests at once than connections, a few wait over and over: at 32 connections
against the default pool of 20, GET /me answered in 14-15 ms at the median and in
995-1,010 ms at p99 (docs/benchmarks.md, section 21). Here a returned connection goes to the oldest
waiter, and nobody takes one while anybody waits.
"""

import asyncio
from collections import deque
from typing import TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import Empty, Full, QueueCommon

T = TypeVar("T")


class FairQueue(QueueCommon[T]):
    """The pool's idle connections, and who waits for one, each first come first served.
    The pool calls it inside SQLAlchemy's greenlet (hence `await_only`). There is never
    an idle connection while someone waits: a returned one goes straight to a waiter."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self._idle: deque[T] = deque()
        self._waiters: deque[asyncio.Future[T]] = deque()

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    def put_nowait(self, item: T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # one that gave up is passed over
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._idle.append(item)

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        # Never blocks: the pool only ever returns connections it handed out.
        self.put_nowait(item)

    def get_nowait(self) -> T:
        if not self._idle:
            raise Empty()
        return self._idle.pop() if self.use_lifo else self._idle.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        if self._idle or not block:
            return self.get_nowait()
        return await_only(self._wait(seconds=timeout))

    async def _wait(self, *, seconds: float | None) -> T:
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(seconds):
                return await waiter
        except BaseException as stopped:  # the timeout, or the request canceled
            if waiter.done() and not waiter.cancelled():
                # Handed a connection just as the wait ended: it goes to the next one.
                self.put_nowait(waiter.result())
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            if isinstance(stopped, TimeoutError):
                raise Empty() from stopped  # the pool raises its own TimeoutError
            raise


class FairAsyncPool(AsyncAdaptedQueuePool):
    _queue_class = FairQueue[ConnectionPoolEntry]
