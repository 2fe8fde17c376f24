"""The live channel on Litestar's memory backend and its Redis Pub/Sub backend: an event
reaches the listeners of its recipients, once each, and no one else; two channels on
one Redis (two API processes) reach each other's listeners."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend

from adapters.channels.messaging import ChannelsLiveChannel
from domain.ids import MonotonicIds
from domain.messaging import LiveEvent, LiveKind
from tests.support.redis import redis_client

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
ids = MonotonicIds()


@pytest.fixture(params=["memory", "redis"])
async def channels(request: pytest.FixtureRequest) -> AsyncIterator[list[ChannelsLiveChannel]]:
    """Two live channels, as two API processes have: on Redis each with its own plugin,
    in memory one plugin (one process) shared."""
    if request.param == "memory":
        async with ChannelsPlugin(MemoryChannelsBackend(), arbitrary_channels_allowed=True) as p:
            yield [ChannelsLiveChannel(p), ChannelsLiveChannel(p)]
        return
    prefix = f"herald-test-{secrets.token_hex(4)}"
    async with redis_client() as redis:

        def backend() -> ChannelsBackend:
            return RedisChannelsPubSubBackend(redis=redis, key_prefix=prefix)

        async with (
            ChannelsPlugin(backend(), arbitrary_channels_allowed=True) as one,
            ChannelsPlugin(backend(), arbitrary_channels_allowed=True) as two,
        ):
            yield [ChannelsLiveChannel(one), ChannelsLiveChannel(two)]


def event(*to: UUID, data: str = '{"body":"hi"}') -> LiveEvent:
    return LiveEvent(ids(), LiveKind.MESSAGE, data, NOW, to)


async def test_an_event_reaches_its_recipients_on_either_channel(
    channels: list[ChannelsLiveChannel],
) -> None:
    here, there = channels
    ann, bugs, daffy = ids(), ids(), ids()
    async with (
        there.listen(ann) as for_ann,
        there.listen(bugs) as for_bugs,
        here.listen(daffy) as for_daffy,
    ):
        await asyncio.sleep(0.05)  # Redis confirms a subscription asynchronously
        sent = event(ann, bugs, data='{"body":"it\'s \U0001f955"}')
        await here.publish(sent)
        for stream, who in ((for_ann, ann), (for_bugs, bugs)):
            got = await asyncio.wait_for(anext(stream), 5)
            assert got == LiveEvent(sent.id, sent.kind, sent.data, sent.created_at, (who,))
        later = event(daffy)
        await there.publish(later)
        assert (await asyncio.wait_for(anext(for_daffy), 5)).id == later.id
        # Nothing else reached Ann.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(for_ann), 0.3)


async def test_no_recipients_publish_nothing(channels: list[ChannelsLiveChannel]) -> None:
    here, _ = channels
    ann = ids()
    async with here.listen(ann) as for_ann:
        await here.publish(event())
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(for_ann), 0.3)
