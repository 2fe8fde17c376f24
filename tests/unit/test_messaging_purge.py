"""The purge of live events: what is older than HERALD_MESSAGES_EVENTS_KEPT_HOURS goes,
what is newer stays for a stream's replay."""

from uuid import UUID

import pytest

from application.messaging import purge_events
from application.messaging.purge_events import PurgeEvents
from domain.ids import new_id
from domain.messaging import LiveEvent, LiveKind
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

ANN = new_user("ann")


async def test_events_past_their_keeping_are_purged() -> None:
    fakes = Fakes()
    old = LiveEvent(new_id(), LiveKind.MESSAGE, "{}", fakes.clock.now(), (ANN.id,))
    await fakes.events_log.add(old)
    fakes.clock.advance(hours=2)
    new = LiveEvent(new_id(), LiveKind.READ, "{}", fakes.clock.now(), (ANN.id,))
    await fakes.events_log.add(new)
    async with use_cases(fakes, messages_events_kept_hours=2) as request:
        assert await (await request.get(PurgeEvents))() == 0  # exactly 2 h old: kept
    fakes.clock.advance(seconds=1)
    async with use_cases(fakes, messages_events_kept_hours=2) as request:
        assert await (await request.get(PurgeEvents))() == 1
    assert await fakes.events_log.after(ANN.id, UUID(int=0), 10) == [new]


async def test_a_run_purges_batch_after_batch_until_none_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(purge_events, "BATCH", 2)
    fakes = Fakes()
    for _ in range(5):
        await fakes.events_log.add(
            LiveEvent(new_id(), LiveKind.MESSAGE, "{}", fakes.clock.now(), (ANN.id,))
        )
    fakes.clock.advance(hours=25)
    async with use_cases(fakes) as request:
        assert await (await request.get(PurgeEvents))() == 5
    assert await fakes.events_log.after(ANN.id, UUID(int=0), 10) == []
