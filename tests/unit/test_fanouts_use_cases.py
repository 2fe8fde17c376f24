"""Fan-out use cases over the fakes: who may trigger, what is queued, the expansion batch
by batch, quiet hours, cancellation and the recovery sweep."""

from dataclasses import replace
from datetime import time, timedelta
from typing import Any

import pytest

from application.fanouts.cancel_fanout import CancelFanout
from application.fanouts.expand_fanout import ExpandFanout
from application.fanouts.queue_expansion import QueueExpansion
from application.fanouts.recover_stalled import RecoverStalledFanouts
from application.fanouts.trigger_topic import TriggerTopic, TriggerTopicCommand
from domain.accounts import Role
from domain.api_keys import Scope, ServicePrincipal
from domain.errors import Conflict, PermissionDenied
from domain.fanouts import FanoutStatus, Skipped
from domain.ids import new_id
from domain.notifications import Status
from domain.recipients import (
    Channels,
    Contact,
    EmailAddress,
    ExternalId,
    QuietHours,
    Recipient,
    TimeZone,
)
from domain.topics import Topic
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

ADMIN = new_user("root", Role.ADMIN)
SERVICE = ServicePrincipal(new_id(), "svc", frozenset({Scope.NOTIFICATIONS_WRITE}))


async def topic_of(fakes: Fakes, count: int, **contact: Any) -> list[Recipient]:
    now = fakes.clock.now()
    await fakes.topics.save(Topic("t", "T", "", False, now, now))
    made = []
    for i in range(count):
        c = Contact(
            email=EmailAddress(f"p{i}@example.com"), channels=Channels(email=True), **contact
        )
        r = Recipient.new(new_id(), ExternalId(f"p-{i}"), c, now)
        fakes.recipients.rows[r.id] = r
        made.append(r)
    await fakes.topics.subscribe("t", [str(r.external_id) for r in made], None, now)
    return made


def command(**changes: Any) -> TriggerTopicCommand:
    return replace(TriggerTopicCommand(ADMIN, "t", title="Hi", text="News"), **changes)


async def test_a_trigger_is_stored_and_then_its_part_queued() -> None:
    fakes = Fakes()
    await topic_of(fakes, 3)
    async with use_cases(fakes) as request:
        made = await (await request.get(TriggerTopic))(command(requester=SERVICE))
        f = made.fanout
        assert fakes.expansions.parts == []  # the caller queues, once it has answered
        await (await request.get(QueueExpansion))(f)
    assert (f.status, f.subscribers, f.parts, f.created_by) == (FanoutStatus.EXPANDING, 3, 1, None)
    assert fakes.expansions.parts == [(f.id, 0)]
    assert await fakes.fanouts.get(f.id) == f


async def test_only_admins_and_keys_with_notifications_write_trigger() -> None:
    fakes = Fakes()
    await topic_of(fakes, 1)
    reader = ServicePrincipal(new_id(), "r", frozenset({Scope.NOTIFICATIONS_READ}))
    async with use_cases(fakes) as request:
        trigger = await request.get(TriggerTopic)
        for who in (new_user("ann"), reader):
            with pytest.raises(PermissionDenied):
                await trigger(command(requester=who))
    assert await fakes.fanouts.list_before(None, None, 10) == []


async def test_an_empty_topic_is_expanded_at_once_and_queues_nothing() -> None:
    fakes = Fakes()
    await topic_of(fakes, 0)
    async with use_cases(fakes) as request:
        made = await (await request.get(TriggerTopic))(command())
        await (await request.get(QueueExpansion))(made.fanout)
    assert (made.fanout.status, made.fanout.subscribers, made.fanout.parts) == (
        FanoutStatus.EXPANDED,
        0,
        0,
    )
    assert fakes.expansions.parts == []


async def test_a_replayed_key_returns_the_first() -> None:
    fakes = Fakes()
    await topic_of(fakes, 2)
    async with use_cases(fakes) as request:
        trigger = await request.get(TriggerTopic)
        first = await trigger(command(idempotency_key="k"))
        again = await trigger(command(idempotency_key="k"))
        with pytest.raises(Conflict, match="different request body"):
            await trigger(command(idempotency_key="k", text="other"))
    assert (first.replayed, again.fanout.id, again.replayed) == (False, first.fanout.id, True)


async def test_the_expansion_makes_every_notification_batch_by_batch() -> None:
    fakes = Fakes()
    crowd = await topic_of(fakes, 5)
    async with use_cases(fakes, fanout_batch=2) as request:
        made = await (await request.get(TriggerTopic))(command())
        count = await (await request.get(ExpandFanout))(made.fanout.id, 0)
        again = await (await request.get(ExpandFanout))(made.fanout.id, 0)
    assert (count, again) == (5, 0)  # a run after the end makes nothing
    f = await fakes.fanouts.get(made.fanout.id)
    assert f is not None
    assert f.status is FanoutStatus.EXPANDED
    progress = (await fakes.fanouts.progress([f.id]))[f.id]
    assert (progress.created, progress.skipped) == (5, Skipped(channel_off=5))  # sms is off
    assert {n.recipient_id for n in fakes.notifications.made_by(f.id)} == {r.id for r in crowd}
    assert len(fakes.wakeups.due) == 3  # a wake-up per batch of 2, 2 and 1


async def test_quiet_hours_hold_a_subscriber_unless_urgent() -> None:
    fakes = Fakes()
    all_day = QuietHours(time(0, 0), time(23, 59))
    await topic_of(fakes, 1, quiet_hours=all_day, timezone=TimeZone("UTC"))
    async with use_cases(fakes) as request:
        held = await (await request.get(TriggerTopic))(command())
        await (await request.get(ExpandFanout))(held.fanout.id, 0)
        urgent = await (await request.get(TriggerTopic))(command(urgent=True))
        await (await request.get(ExpandFanout))(urgent.fanout.id, 0)
    [deferred] = fakes.notifications.made_by(held.fanout.id)
    [now] = fakes.notifications.made_by(urgent.fanout.id)
    assert deferred.due_at > fakes.clock.now() + timedelta(hours=10)
    assert now.due_at == fakes.clock.now()
    [first] = await fakes.notifications.events(deferred.id)
    assert first.detail is not None
    assert "inside the recipient's quiet hours (00:00-23:59)" in first.detail


async def test_a_canceled_fanout_expands_no_further() -> None:
    fakes = Fakes()
    await topic_of(fakes, 3)
    async with use_cases(fakes) as request:
        made = await (await request.get(TriggerTopic))(command())
        canceled = await (await request.get(CancelFanout))(ADMIN, made.fanout.id)
        count = await (await request.get(ExpandFanout))(made.fanout.id, 0)
    assert (canceled.fanout.status, canceled.canceled, count) == (FanoutStatus.CANCELED, 0, 0)
    assert fakes.notifications.made_by(made.fanout.id) == []


async def test_cancel_cancels_what_is_not_yet_sending() -> None:
    fakes = Fakes()
    await topic_of(fakes, 3)
    async with use_cases(fakes) as request:
        made = await (await request.get(TriggerTopic))(command())
        await (await request.get(ExpandFanout))(made.fanout.id, 0)
        canceled = await (await request.get(CancelFanout))(ADMIN, made.fanout.id)
        with pytest.raises(Conflict, match="already canceled"):
            await (await request.get(CancelFanout))(ADMIN, made.fanout.id)
    assert canceled.canceled == 3
    assert {n.status for n in fakes.notifications.made_by(made.fanout.id)} == {Status.CANCELED}


async def test_the_sweep_requeues_a_part_whose_lease_ran_out() -> None:
    fakes = Fakes()
    await topic_of(fakes, 1)
    async with use_cases(fakes, fanout_lease_seconds=10) as request:
        made = await (await request.get(TriggerTopic))(command())  # and never queued
        sweep = await request.get(RecoverStalledFanouts)
        assert await sweep() == 0
        fakes.clock.advance(seconds=11)
        assert await sweep() == 1
        assert await sweep() == 0  # leased again
    assert fakes.expansions.parts == [(made.fanout.id, 0)]
