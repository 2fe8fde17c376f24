"""The scheduling ports: SendQueue (in-memory vs Taskiq on its in-memory broker and on
Redis streams) and the dispatcher's wake-up, both sides (in-process vs Redis pub/sub)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from redis.asyncio import Redis
from taskiq import AsyncBroker, InMemoryBroker

from adapters.clock import SystemClock
from adapters.memory.notifications import InMemorySendQueue
from adapters.memory.wakeup import InProcessWakeup
from adapters.redis.wakeup import RedisWakeup
from adapters.taskiq.notifications import TaskiqSendQueue
from adapters.taskiq.stream_broker import StreamBroker
from application.ports.notifications import DispatcherWakeup, SchedulerWakeup, SendQueue
from domain.ids import new_id
from tests.support.redis import REDIS_URL, require_redis

TASK = "test.deliver"


@dataclass
class Received:
    batches: list[list[UUID]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    pump: Callable[[Received], Awaitable[None]] | None = None  # reads a broker, when needed

    async def record(self, ids: list[UUID]) -> None:
        self.batches.append(ids)
        self.arrived.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.batches) < count:
                if self.pump is not None:
                    await self.pump(self)
                    continue
                self.arrived.clear()
                await self.arrived.wait()


def _register(broker: AsyncBroker, received: Received) -> None:
    async def deliver(ids: list[str]) -> None:
        await received.record([UUID(i) for i in ids])

    broker.register_task(deliver, task_name=TASK)


def _stream_reader(broker: StreamBroker) -> Callable[[Received], Awaitable[None]]:
    """What a worker does with the stream, minus the receiver machinery: read one message,
    check it is for the deliver task, hand its ids over, acknowledge it."""
    messages = broker.listen()

    async def pump(received: Received) -> None:
        message = await anext(messages)
        task = broker.formatter.loads(message.data)
        assert task.task_name == TASK
        await received.record([UUID(i) for i in task.args[0]])
        acked = message.ack()  # a coroutine for Redis streams, None for some brokers
        if acked is not None:
            await acked

    return pump


@pytest.fixture(params=["memory", "taskiq-memory", "taskiq-redis"])
async def queue(request: pytest.FixtureRequest) -> AsyncIterator[tuple[SendQueue, Received]]:
    received = Received()
    if request.param == "memory":
        yield InMemorySendQueue(received.record), received
        return
    if request.param == "taskiq-memory":
        memory_broker = InMemoryBroker()
        _register(memory_broker, received)
        await memory_broker.startup()
        yield TaskiqSendQueue(memory_broker, TASK), received
        await memory_broker.shutdown()
        return
    await require_redis(REDIS_URL)
    name = f"test-{uuid.uuid4().hex[:8]}"
    broker = StreamBroker(
        REDIS_URL, queue_name=name, consumer_group_name=name, consumer_id="0", xread_block=100
    )
    await broker.startup()
    received.pump = _stream_reader(broker)
    yield TaskiqSendQueue(broker, TASK), received
    redis = Redis.from_url(REDIS_URL)
    # Every message read was acknowledged: none is left pending for the group.
    assert (await redis.xpending(name, name))["pending"] == 0
    await redis.delete(name)
    await redis.aclose()
    await broker.shutdown()


async def test_each_batch_reaches_a_worker_with_its_ids(queue: tuple[SendQueue, Received]) -> None:
    send_queue, received = queue
    batches = [[new_id() for _ in range(3)], [new_id()], [new_id() for _ in range(50)]]
    for batch in batches:
        await send_queue.enqueue(batch)
    await received.wait_for(len(batches))
    assert sorted(map(tuple, received.batches)) == sorted(map(tuple, batches))


async def test_an_empty_batch_sends_nothing(queue: tuple[SendQueue, Received]) -> None:
    send_queue, received = queue
    await send_queue.enqueue([])
    marker = [new_id()]
    await send_queue.enqueue(marker)
    await received.wait_for(1)
    assert received.batches == [marker]


@pytest.fixture(params=["in-process", "redis"])
async def wakeups(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[SchedulerWakeup, DispatcherWakeup]]:
    """(the side that notifies, the side the scheduler waits on)."""
    if request.param == "in-process":
        wakeup = InProcessWakeup(SystemClock())
        await wakeup.start()
        yield wakeup, wakeup
        await wakeup.close()
        return
    await require_redis(REDIS_URL)
    channel = f"test-{uuid.uuid4().hex[:8]}:wakeup"
    api_redis, scheduler_redis = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    api = RedisWakeup(api_redis, channel, SystemClock())
    scheduler = RedisWakeup(scheduler_redis, channel, SystemClock())
    await scheduler.start()
    await asyncio.sleep(0.05)  # the subscription is in place
    yield api, scheduler
    await scheduler.close()
    await api_redis.aclose()
    await scheduler_redis.aclose()


def in_(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_notify_wakes_the_waiter(
    wakeups: tuple[SchedulerWakeup, DispatcherWakeup],
) -> None:
    notifier, waiter = wakeups
    assert not await waiter.wait(in_(0.05))  # nothing yet: times out
    waiting = asyncio.create_task(waiter.wait(in_(5)))
    await asyncio.sleep(0.01)
    await notifier.notify(datetime.now(UTC))
    assert await waiting


async def test_a_notify_before_the_wait_is_not_lost(
    wakeups: tuple[SchedulerWakeup, DispatcherWakeup],
) -> None:
    notifier, waiter = wakeups
    await notifier.notify(datetime.now(UTC))
    assert await waiter.wait(in_(5))
    assert not await waiter.wait(in_(0.05))  # consumed


async def test_an_api_process_shares_pings_between_concurrent_notifies() -> None:
    """Fifty requests notifying at once cost one publish; one after another, one each."""
    await require_redis(REDIS_URL)
    channel = f"test-{uuid.uuid4().hex[:8]}:wakeup"
    api_redis, listener_redis = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    listener = listener_redis.pubsub()
    await listener.subscribe(channel)
    confirmed = await listener.get_message(timeout=5)  # the subscription is in place
    assert confirmed is not None
    assert confirmed["type"] == "subscribe"
    api = RedisWakeup(api_redis, channel, SystemClock())

    async def pings() -> int:
        count = 0
        while await listener.get_message(ignore_subscribe_messages=True, timeout=0.1):
            count += 1
        return count

    try:
        await asyncio.gather(*(api.notify(datetime.now(UTC)) for _ in range(50)))
        assert await pings() == 1
        for _ in range(3):
            await api.notify(datetime.now(UTC))
        assert await pings() == 3
    finally:
        await listener.aclose()  # type: ignore[no-untyped-call]
        await api_redis.aclose()
        await listener_redis.aclose()


async def test_notifies_that_come_together_wake_the_waiter_once(
    wakeups: tuple[SchedulerWakeup, DispatcherWakeup],
) -> None:
    notifier, waiter = wakeups
    for _ in range(3):
        await notifier.notify(datetime.now(UTC))
    await asyncio.sleep(0.05)  # all three have arrived
    assert await waiter.wait(in_(5))
    assert not await waiter.wait(in_(0.05))
