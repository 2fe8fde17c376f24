"""The inbound SMS sweep through the same container as the API (in-memory broker): a
message stored whose task was lost is handed over on the sweep's cron, and acted on."""

from datetime import UTC, datetime, timedelta

from dishka import AsyncContainer
from taskiq import AsyncBroker, InMemoryBroker

from application.ports.subscriptions import InboundMessages
from domain.subscriptions import InboundSms
from entrypoints.settings import Settings
from entrypoints.tasks.scheduler import make_scheduler


async def test_a_message_whose_task_was_lost_is_handed_over_and_acted_on(
    container: AsyncContainer,
) -> None:
    arrived = datetime.now(UTC) - timedelta(minutes=2)
    lost = InboundSms("SM" + "1" * 32, "+15105552054", "+15005550006", "HELP", arrived)
    async with container() as request:
        assert await (await request.get(InboundMessages)).record(lost)  # never queued
    broker = await container.get(AsyncBroker)
    await broker.startup()
    try:
        assert isinstance(broker, InMemoryBroker)  # the embedded default's
        sweep = broker.find_task("herald.requeue_inbound_sms")
        assert sweep is not None
        result = await (await sweep.kiq()).wait_result(timeout=5)
        assert result.return_value == 1
        await broker.wait_all()  # the handed-over task, which the sweep queued
        async with container() as request:
            found = await (await request.get(InboundMessages)).get(lost.message_sid)
        assert found is not None
        assert found.processed_at is not None
        assert found.requeues == 1
    finally:
        await broker.shutdown()


async def test_the_sweep_is_on_its_cron(settings: Settings, container: AsyncContainer) -> None:
    source = make_scheduler(await container.get(AsyncBroker)).sources[0]
    await source.startup()
    schedules = await source.get_schedules()
    sweep = [s for s in schedules if s.task_name == "herald.requeue_inbound_sms"]
    assert [s.cron for s in sweep] == [settings.subscriptions.requeue_cron]
