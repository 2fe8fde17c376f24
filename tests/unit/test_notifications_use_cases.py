"""The notification use cases, built by the container over in-memory fakes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from dishka import AsyncContainer

from adapters.memory.transactions import InMemoryTransactionManager
from application.notifications.cancel_notification import CancelNotification
from application.notifications.count_due import CountDueNotifications
from application.notifications.deliver_notifications import DeliverNotifications
from application.notifications.dispatch_due import DispatchDueNotifications
from application.notifications.get_notification import GetNotification
from application.notifications.list_activity import ActivityQuery, ListActivity
from application.notifications.list_notifications import ListNotifications, ListNotificationsQuery
from application.notifications.record_provider_status import (
    ProviderStatusUpdate,
    RecordProviderStatus,
)
from application.notifications.recover_stalled import RecoverStalledDeliveries
from application.notifications.schedule_notification import (
    ScheduleNotification,
    ScheduleNotificationCommand,
)
from application.ports.notifications import AttemptOutcome, DeliveryOutcome, ProviderReport
from application.preferences.update_preferences import (
    KEEP,
    UpdatePreferences,
    UpdatePreferencesCommand,
)
from domain.accounts import Role, User
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.ids import new_id
from domain.notifications import Status
from domain.preferences import Channel
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases
from tests.support.fakes import Refusal

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class World(Fakes):
    """The fakes, and the notification use cases the container builds over them."""

    async def resolve(self, request: AsyncContainer) -> None:
        self.tx = await request.get(InMemoryTransactionManager)
        self.update_preferences = await request.get(UpdatePreferences)
        self.schedule = await request.get(ScheduleNotification)
        self.deliver = await request.get(DeliverNotifications)
        self.dispatch = await request.get(DispatchDueNotifications)
        self.count_due = await request.get(CountDueNotifications)
        self.record = await request.get(RecordProviderStatus)
        self.recover = await request.get(RecoverStalledDeliveries)
        self.cancel = await request.get(CancelNotification)
        self.get_notification = await request.get(GetNotification)
        self.list_notifications = await request.get(ListNotifications)
        self.list_activity = await request.get(ListActivity)

    async def user(
        self,
        name: str = "ann",
        role: Role = Role.USER,
        *,
        notify_pref: str | None = None,
        email: str | None = None,
        phone: str | int | None = None,
    ) -> User:
        """A stored user, with these contact preferences if any are given."""
        user = new_user(name, role)
        await self.users.add(user)
        if notify_pref or email or phone:
            await self.update_preferences(
                UpdatePreferencesCommand(
                    user.id,
                    notify_pref=notify_pref or KEEP,
                    email=email or KEEP,
                    phone=phone or KEEP,
                )
            )
        return user

    async def run_due(self) -> list[list[DeliveryOutcome]]:
        """One scheduler round, then the worker for every batch it sent."""
        await self.dispatch(refill=True)
        outcomes = []
        for batch in self.queue.batches:
            outcomes.append(list(await self.deliver(batch)))
        self.queue.batches.clear()
        return outcomes


# The engine's knobs in these tests: small batches, three attempts, backoff from 1 s.
SETTINGS: dict[str, object] = {
    "notify_claim_batch": 100,
    "notify_message_batch": 2,
    "notify_lease_seconds": 60,
    "notify_max_attempts": 3,
    "notify_backoff_base_seconds": 1.0,
    "notify_backoff_cap_seconds": 10.0,
}


@asynccontextmanager
async def running(**settings: object) -> AsyncIterator[World]:
    world = World(NOW)
    async with use_cases(world, **(SETTINGS | settings)) as request:
        await world.resolve(request)
        yield world


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with running() as world:
        yield world


async def test_schedule_uses_the_preference_and_wakes_the_scheduler(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone=15105552054)
    result = await world.schedule(ScheduleNotificationCommand(ann, "hello", title="Hi"))
    n = result.notification
    assert (n.channel.value, n.to, n.status, n.due_at) == (
        "sms",
        "+15105552054",
        Status.SCHEDULED,
        NOW,
    )
    assert world.wakeups.due == [NOW]
    assert world.tx.commits == 2  # the preferences, then the notification


async def test_schedule_refuses_what_cannot_be_sent(world: World) -> None:
    ann = await world.user()
    with pytest.raises(InvalidInput, match="your email channel is off") as none_on:
        await world.schedule(ScheduleNotificationCommand(ann, "x"))
    assert [e.message.split(":")[0] for e in none_on.value.errors] == ["email", "sms"]
    with pytest.raises(InvalidInput, match="email is not set"):
        await world.schedule(ScheduleNotificationCommand(ann, "x", channel="email"))
    with pytest.raises(InvalidInput) as bad:
        await world.schedule(
            ScheduleNotificationCommand(ann, " ", sendtime="2026-03-01T10:00", channel="fax")
        )
    assert {e.field for e in bad.value.errors} == {"text", "sendtime", "channel"}


async def test_a_channel_turned_off_is_refused_whoever_prefers_it() -> None:
    async with running(sms_provider="none") as world:
        ann = await world.user(notify_pref="sms", phone=15105552054, email="a@b.co")
        with pytest.raises(InvalidInput, match="sms notifications are turned off") as off:
            await world.schedule(ScheduleNotificationCommand(ann, "x"))
        assert [e.field for e in off.value.errors] == ["channels", "channels"]
        sent = await world.schedule(ScheduleNotificationCommand(ann, "x", channel="email"))
        assert sent.notification.channel is Channel.EMAIL


async def test_idempotency_key_replays_or_conflicts(world: World) -> None:
    ann = await world.user(notify_pref="email", email="a@b.co")
    first = await world.schedule(ScheduleNotificationCommand(ann, "x", idempotency_key="k"))
    again = await world.schedule(ScheduleNotificationCommand(ann, "x", idempotency_key="k"))
    assert again.replayed
    assert again.notification.id == first.notification.id
    with pytest.raises(Conflict, match="different request body"):
        await world.schedule(ScheduleNotificationCommand(ann, "y", idempotency_key="k"))
    bob = await world.user("bob", notify_pref="email", email="b@b.co")
    other = await world.schedule(ScheduleNotificationCommand(bob, "x", idempotency_key="k"))
    assert not other.replayed  # keys belong to their user


async def test_only_admins_notify_others(world: World) -> None:
    ann = await world.user(notify_pref="email", email="a@b.co")
    bob = await world.user("bob")
    root = await world.user("root", Role.ADMIN)
    with pytest.raises(PermissionDenied):
        await world.schedule(ScheduleNotificationCommand(bob, "x", user_id=ann.id))
    with pytest.raises(NotFound):
        await world.schedule(ScheduleNotificationCommand(root, "x", user_id=new_id()))
    sent = await world.schedule(ScheduleNotificationCommand(root, "x", user_id=ann.id))
    assert sent.notification.user_id == ann.id
    assert sent.notification.to == "a@b.co"


async def test_dispatch_waits_for_the_due_time_and_batches(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    later = (NOW + timedelta(seconds=30)).isoformat()
    for _ in range(3):
        await world.schedule(ScheduleNotificationCommand(ann, "now"))
    await world.schedule(ScheduleNotificationCommand(ann, "later", sendtime=later))
    result = await world.dispatch()
    assert result.dispatched == 3
    assert not result.more_due
    # Wake to claim the later one half a look-ahead (1 s by default) before it is due.
    assert result.wake_at == NOW + timedelta(seconds=29.5)
    assert [len(b) for b in world.queue.batches] == [2, 1]  # message_batch = 2


async def test_work_due_soon_waits_in_memory_until_due(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    soon = (NOW + timedelta(milliseconds=400)).isoformat()
    n = (await world.schedule(ScheduleNotificationCommand(ann, "x", sendtime=soon))).notification
    first = await world.dispatch(refill=True)
    assert first.dispatched == 0
    assert first.wake_at == NOW + timedelta(milliseconds=400)
    stored = await world.notifications.get(n.id)
    assert stored is not None
    assert stored.status is Status.QUEUED
    world.clock.advance(milliseconds=400)
    commits = world.tx.commits
    second = await world.dispatch()
    assert second.dispatched == 1
    assert world.queue.batches == [[n.id]]
    assert world.tx.commits == commits  # handed over from memory: no database round trip


async def test_a_full_claim_asks_for_another_round() -> None:
    async with running(notify_claim_batch=2, notify_message_batch=10) as world:
        ann = await world.user(notify_pref="sms", phone="+15105552054")
        for _ in range(3):
            await world.schedule(ScheduleNotificationCommand(ann, "x"))
        first = await world.dispatch()
        assert (first.dispatched, first.more_due) == (2, True)
        second = await world.dispatch(refill=True)
        assert (second.dispatched, second.more_due) == (1, False)


async def test_delivery_sends_once_even_when_run_twice(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    n = (await world.schedule(ScheduleNotificationCommand(ann, "hello", title="Hi"))).notification
    await world.dispatch()
    [batch] = world.queue.batches
    [outcome] = await world.deliver(batch)
    assert await world.deliver(batch) == []  # a redelivered message sends nothing
    assert outcome.status is Status.SENT
    assert outcome.provider_message_id == "twilio-1"
    assert [m.body for m in world.sms.sent] == ["Hi\nhello"]
    stored = await world.notifications.get(n.id)
    assert stored is not None
    assert stored.status is Status.SENT
    assert stored.attempts == 1


async def test_transient_errors_retry_with_backoff_then_fail(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    world.sms.refuse("+15105552054", Refusal.RATE_LIMITED, retry_after=5.0)
    world.sms.refuse("+15105552054", Refusal.SERVER_ERROR, times=2)
    n = (await world.schedule(ScheduleNotificationCommand(ann, "x"))).notification
    [[first]] = await world.run_due()
    assert first.status is Status.SCHEDULED
    assert first.due_at == NOW + timedelta(seconds=5)
    assert world.wakeups.due[-1] == first.due_at
    assert await world.run_due() == []  # not due yet
    world.clock.advance(seconds=5)
    [[second]] = await world.run_due()
    assert second.due_at == world.clock.now() + timedelta(seconds=1)  # 2nd step, no jitter
    world.clock.advance(seconds=1)
    [[third]] = await world.run_due()
    assert third.status is Status.FAILED
    assert "gave up after 3 attempts" in third.detail
    stored = await world.notifications.get(n.id)
    assert stored is not None
    assert stored.attempts == 3
    assert stored.last_error_code == "20500"


async def test_permanent_error_and_opt_out(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054", email="a@b.co")
    world.sms.refuse("+15105552054", Refusal.OPTED_OUT)
    world.email.refuse("a@b.co", Refusal.INVALID_RECIPIENT)
    await world.schedule(ScheduleNotificationCommand(ann, "x"))
    await world.schedule(ScheduleNotificationCommand(ann, "y", channel="email"))
    outcomes = [o for batch in await world.run_due() for o in batch]
    assert {(o.status, o.error_code) for o in outcomes} == {
        (Status.FAILED, "21610"),
        (Status.FAILED, "400"),
    }
    prefs = await world.prefs.get(ann.id)
    assert prefs is not None
    assert prefs.sms_opted_out
    with pytest.raises(InvalidInput, match="opted out"):
        await world.schedule(ScheduleNotificationCommand(ann, "z"))


async def test_unexpected_adapter_errors_are_retried(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    world.sms.crash("+15105552054", RuntimeError("bug"))
    await world.schedule(ScheduleNotificationCommand(ann, "x"))
    [[outcome]] = await world.run_due()
    assert outcome.status is Status.SCHEDULED
    assert outcome.error == "unexpected error: RuntimeError"


async def test_delivery_reports_attempts_provider_errors_lateness_and_endings(
    world: World,
) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054", email="a@b.co")
    world.sms.refuse("+15105552054", Refusal.SERVER_ERROR)
    world.email.refuse("a@b.co", Refusal.INVALID_RECIPIENT)
    await world.schedule(ScheduleNotificationCommand(ann, "x"))
    await world.schedule(ScheduleNotificationCommand(ann, "y", channel="email"))
    world.clock.advance(seconds=2)
    await world.run_due()
    assert sorted(world.metrics.attempts) == [
        (Channel.EMAIL, AttemptOutcome.REFUSED),
        (Channel.SMS, AttemptOutcome.TRANSIENT),
    ]
    assert sorted(world.metrics.provider_errors) == [("sendgrid", "400"), ("twilio", "20500")]
    assert world.metrics.ended == [(Channel.EMAIL, Status.FAILED)]  # the SMS is retried
    assert world.metrics.lateness == []
    world.clock.advance(seconds=0.75)  # the retry was due 0.5 s after the failed attempt
    await world.run_due()
    assert world.metrics.attempts[-1] == (Channel.SMS, AttemptOutcome.ACCEPTED)
    assert world.metrics.lateness == [(Channel.SMS, 0.25)]  # from the retry's due time
    assert world.metrics.ended[-1] == (Channel.SMS, Status.SENT)
    assert len(world.metrics.provider_errors) == 2


async def test_an_adapter_bug_is_an_error_attempt_not_a_provider_error(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    world.sms.crash("+15105552054", RuntimeError("bug"))
    await world.schedule(ScheduleNotificationCommand(ann, "x"))
    await world.run_due()
    assert world.metrics.attempts == [(Channel.SMS, AttemptOutcome.ERROR)]
    assert world.metrics.provider_errors == []
    assert world.metrics.ended == []


async def test_each_dispatch_round_reports_how_late_it_handed_over(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    await world.schedule(ScheduleNotificationCommand(ann, "x"))
    world.clock.advance(seconds=3)
    await world.dispatch(refill=True)
    await world.dispatch(refill=True)  # nothing is due any more
    assert world.metrics.lags == [3.0, 0.0]


async def test_due_counts_unclaimed_rows_and_claimed_ones_that_fell_due(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    soon = (NOW + timedelta(milliseconds=500)).isoformat()
    later = (NOW + timedelta(hours=1)).isoformat()
    await world.schedule(ScheduleNotificationCommand(ann, "now"))
    await world.schedule(ScheduleNotificationCommand(ann, "soon", sendtime=soon))
    await world.schedule(ScheduleNotificationCommand(ann, "later", sendtime=later))
    assert await world.count_due() == 1
    await world.dispatch()  # hands "now" over, holds "soon" in memory
    assert await world.count_due() == 0
    world.clock.advance(milliseconds=600)
    assert await world.count_due() == 1  # "soon" fell due, not handed over yet
    await world.dispatch()
    assert await world.count_due() == 0
    assert world.metrics.due == [1, 0, 1, 0]


async def test_recovery_reschedules_lost_work(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    await world.schedule(ScheduleNotificationCommand(ann, "x"))
    await world.dispatch()
    world.queue.batches.clear()  # the message is lost (say, the broker died)
    recover = world.recover
    assert await recover() == 0
    world.clock.advance(seconds=62)  # the lease runs from the end of the look-ahead window
    assert await recover() == 1
    [[outcome]] = await world.run_due()
    assert outcome.status is Status.SENT


async def test_cancel_list_and_get(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    bob = await world.user("bob")
    later = (NOW + timedelta(hours=1)).isoformat()
    n = (await world.schedule(ScheduleNotificationCommand(ann, "x", sendtime=later))).notification
    with pytest.raises(NotFound):
        await world.cancel(bob, n.id)
    canceled = await world.cancel(ann, n.id)
    assert canceled.status is Status.CANCELED
    with pytest.raises(Conflict):
        await world.cancel(ann, n.id)
    detail = await world.get_notification(ann, n.id)
    assert [e.status for e in detail.history] == [Status.SCHEDULED, Status.CANCELED]
    with pytest.raises(NotFound):
        await world.get_notification(bob, n.id)
    page = await world.list_notifications(ListNotificationsQuery(ann, status="canceled"))
    assert [x.id for x in page.items] == [n.id]
    assert page.next_cursor is None
    with pytest.raises(InvalidInput):
        await world.list_notifications(ListNotificationsQuery(ann, status="lost", limit=0))


async def test_an_admin_who_notifies_a_user_sees_and_cancels_it(world: World) -> None:
    boss = await world.user("boss", role=Role.ADMIN)
    helper = await world.user("helper", role=Role.ADMIN)
    ann = await world.user(notify_pref="email", email="ann@example.com")
    bob = await world.user("bob")
    later = (NOW + timedelta(hours=1)).isoformat()
    command = ScheduleNotificationCommand(boss, "x", sendtime=later, user_id=ann.id)
    n = (await world.schedule(command)).notification
    assert (n.user_id, n.created_by) == (ann.id, boss.id)
    for who in (boss, ann):
        page = await world.list_notifications(ListNotificationsQuery(who))
        assert [x.id for x in page.items] == [n.id]
        assert (await world.get_notification(who, n.id)).notification.id == n.id
    assert (await world.list_notifications(ListNotificationsQuery(bob))).items == []
    with pytest.raises(NotFound):
        await world.get_notification(bob, n.id)
    # Any admin may look; the creator cancels.
    assert (await world.get_notification(helper, n.id)).notification.id == n.id
    canceled = await world.cancel(boss, n.id)
    assert canceled.status is Status.CANCELED


async def test_the_activity_view_is_for_admins_and_filters(world: World) -> None:
    boss = await world.user("boss", role=Role.ADMIN)
    ann = await world.user(notify_pref="email", email="ann@example.com", phone=15105552054)
    bob = await world.user("bob", notify_pref="email", email="bob@example.com")
    by_ann = await world.schedule(ScheduleNotificationCommand(ann, "sms", channel="sms"))
    await world.schedule(ScheduleNotificationCommand(ann, "mail"))
    await world.schedule(ScheduleNotificationCommand(bob, "mail"))
    view = world.list_activity
    with pytest.raises(PermissionDenied):
        await view(ActivityQuery(ann))
    everything = await view(ActivityQuery(boss))
    assert len(everything.items) == 3
    sms = await view(ActivityQuery(boss, user_id=ann.id, channel="sms"))
    [(found, history)] = sms.items
    assert found.id == by_ann.notification.id
    assert [e.status for e in history] == [Status.SCHEDULED]
    first = await view(ActivityQuery(boss, limit=2))
    rest = await view(ActivityQuery(boss, limit=2, cursor=first.next_cursor))
    assert len(first.items) == 2
    assert len(rest.items) == 1
    assert rest.next_cursor is None
    assert (await view(ActivityQuery(boss, until=NOW.isoformat()))).items == []
    with pytest.raises(InvalidInput) as bad:
        await view(ActivityQuery(boss, status="lost", channel="fax", since="yesterday"))
    assert {e.field for e in bad.value.errors} == {"status", "channel", "since"}


async def test_provider_callbacks_are_monotonic_and_deduplicated(world: World) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    n = (await world.schedule(ScheduleNotificationCommand(ann, "x"))).notification
    await world.run_due()
    record = world.record
    delivered = ProviderStatusUpdate(
        "twilio", ProviderReport(Status.DELIVERED, "d", provider_message_id="twilio-1")
    )
    late_sent = ProviderStatusUpdate(
        "twilio", ProviderReport(Status.SENT, "s", provider_message_id="twilio-1")
    )
    assert await record([delivered, late_sent]) == 1
    event = ProviderStatusUpdate(
        "sendgrid", ProviderReport(Status.FAILED, "bounce", notification_id=n.id), event_id="e1"
    )
    assert await record([event]) == 0  # delivered is final
    stored = await world.notifications.get(n.id)
    assert stored is not None
    assert stored.status is Status.DELIVERED
    unknown = ProviderStatusUpdate(
        "twilio", ProviderReport(Status.DELIVERED, "d", provider_message_id="SMx")
    )
    assert await record([unknown]) == 0


async def test_an_opted_out_callback_reaches_the_preferences_through_the_event(
    world: World,
) -> None:
    ann = await world.user(notify_pref="sms", phone="+15105552054")
    await world.schedule(ScheduleNotificationCommand(ann, "x"))
    await world.run_due()
    failed = ProviderStatusUpdate(
        "twilio",
        ProviderReport(Status.FAILED, "undelivered", provider_message_id="twilio-1"),
        recipient_opted_out=True,
    )
    assert await world.record([failed]) == 1
    prefs = await world.prefs.get(ann.id)
    assert prefs is not None
    assert prefs.sms_opted_out


async def test_provider_event_ids_count_once(world: World) -> None:
    ann = await world.user(notify_pref="email", email="a@b.co")
    n = (await world.schedule(ScheduleNotificationCommand(ann, "x"))).notification
    await world.run_due()
    record = world.record
    opened = ProviderStatusUpdate("sendgrid", None, event_id="e0")
    bounce = ProviderStatusUpdate(
        "sendgrid", ProviderReport(Status.FAILED, "bounce", notification_id=n.id), event_id="e1"
    )
    assert await record([opened, bounce, bounce]) == 1
    assert not await world.events.first_time("sendgrid", "e1", NOW)
