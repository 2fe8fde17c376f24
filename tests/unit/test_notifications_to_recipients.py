"""ScheduleNotification to recipients: channels and skips, groups, API keys, quiet hours."""

from datetime import UTC, datetime, timedelta

import pytest

from application.notifications.schedule_notification import ScheduleNotificationCommand
from domain.accounts import Role
from domain.api_keys import Scope, ServicePrincipal
from domain.errors import InvalidInput, NotFound, PermissionDenied
from domain.ids import new_id
from domain.preferences import Channel
from domain.recipients import (
    Channels,
    Contact,
    EmailAddress,
    ExternalId,
    PhoneNumber,
    QuietHours,
    Recipient,
    TimeZone,
)
from tests.support.fakes import Refusal
from tests.unit.test_notifications_use_cases import NOW, World, world

__all__ = ["world"]  # a fixture: the use cases over the fakes

WRITER = ServicePrincipal(new_id(), "crm", frozenset({Scope.NOTIFICATIONS_WRITE}))
READER = ServicePrincipal(new_id(), "crm", frozenset({Scope.NOTIFICATIONS_READ}))


async def recipient(world: World, **contact: object) -> Recipient:
    """A recipient without an account: both channels on, email and phone, unless said."""
    fields: dict[str, object] = {
        "email": EmailAddress("ann@example.com"),
        "phone": PhoneNumber("+15105552054"),
        "channels": Channels(email=True, sms=True),
    }
    made = Recipient.new(new_id(), ExternalId("crm-1"), Contact(**(fields | contact)), NOW)  # type: ignore[arg-type]
    await world.recipients.save(made)
    return made


async def test_every_channel_on_gets_a_notification_of_one_group(world: World) -> None:
    crm = await recipient(world)
    sent = await world.schedule(ScheduleNotificationCommand(WRITER, "hi", recipient="crm-1"))
    assert sorted(n.channel for n in sent.items) == [Channel.EMAIL, Channel.SMS]
    assert {n.group for n in sent.items} == {sent.group_id}
    assert sent.group_id in {n.id for n in sent.items}
    assert all(
        (n.recipient_id, n.user_id, n.created_by) == (crm.id, None, None) for n in sent.items
    )
    assert sent.skipped == ()
    assert await world.notifications.group(sent.group_id) == sorted(sent.items, key=lambda n: n.id)


async def test_what_cannot_be_used_is_skipped_and_with_nothing_left_refused(world: World) -> None:
    await recipient(world, phone=None)
    sent = await world.schedule(ScheduleNotificationCommand(WRITER, "hi", recipient="crm-1"))
    assert [n.channel for n in sent.items] == [Channel.EMAIL]
    assert sent.skipped == ((Channel.SMS, "the recipient's phone is not set"),)
    with pytest.raises(InvalidInput) as refused:
        await world.schedule(
            ScheduleNotificationCommand(WRITER, "x", recipient="crm-1", channels=("sms",))
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("channels", "sms: the recipient's phone is not set")
    ]


async def test_an_opted_out_phone_and_a_channel_off_are_skipped(world: World) -> None:
    made = await recipient(world, channels=Channels(email=False, sms=True))
    await world.recipients.save(made.opt_out("+15105552054"))
    with pytest.raises(InvalidInput) as refused:
        await world.schedule(ScheduleNotificationCommand(WRITER, "x", recipient="crm-1"))
    assert [e.message for e in refused.value.errors] == [
        "email: the recipient's email channel is off: turn it on, or name the channel",
        "sms: the recipient's phone +15105552054 opted out of SMS (replied STOP)",
    ]
    named = await world.schedule(
        ScheduleNotificationCommand(WRITER, "x", recipient="crm-1", channels=("email",))
    )
    assert [n.channel for n in named.items] == [Channel.EMAIL]  # named: sent though off


async def test_who_may_send_to_a_recipient(world: World) -> None:
    await recipient(world)
    with pytest.raises(PermissionDenied, match="lacks the scope notifications:write"):
        await world.schedule(ScheduleNotificationCommand(READER, "x", recipient="crm-1"))
    ann = await world.user("ann")
    with pytest.raises(PermissionDenied, match="admin role"):
        await world.schedule(ScheduleNotificationCommand(ann, "x", recipient="crm-1"))
    root = await world.user("root", Role.ADMIN)
    assert (await world.schedule(ScheduleNotificationCommand(root, "x", recipient="crm-1"))).items
    with pytest.raises(NotFound, match="no recipient with external id 'nobody'"):
        await world.schedule(ScheduleNotificationCommand(root, "x", recipient="nobody"))
    with pytest.raises(InvalidInput, match="an API key must name the recipient"):
        await world.schedule(ScheduleNotificationCommand(WRITER, "x"))
    with pytest.raises(InvalidInput) as bad:
        await world.schedule(
            ScheduleNotificationCommand(
                root, "x", recipient="a/b", channel="sms", channels=("fax",), user_id=root.id
            )
        )
    assert {e.field for e in bad.value.errors} == {"recipient", "channels"}


async def test_a_replay_returns_the_whole_group_and_its_skips(world: World) -> None:
    await recipient(world, phone=None, channels=Channels(email=True, sms=True))
    cmd = ScheduleNotificationCommand(WRITER, "hi", recipient="crm-1", idempotency_key="k")
    first = await world.schedule(cmd)
    again = await world.schedule(cmd)
    assert again.replayed
    assert (again.group_id, again.items, again.skipped) == (
        first.group_id,
        first.items,
        first.skipped,
    )


NEW_YORK = {
    "timezone": TimeZone("America/New_York"),
    "quiet_hours": QuietHours.parse("21:00", "08:00"),
}


async def test_inside_quiet_hours_it_waits_for_their_end_unless_urgent(world: World) -> None:
    await recipient(world, **NEW_YORK)  # NOW is 07:00 in New York
    sent = await world.schedule(
        ScheduleNotificationCommand(WRITER, "hi", recipient="crm-1", channels=("email",))
    )
    [n] = sent.items
    end = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert (n.sendtime, n.due_at) == (NOW, end)
    [event] = await world.notifications.events(n.id)
    assert event.detail is not None
    assert "quiet hours (21:00-08:00): deferred until 2026-03-01T13:00:00+00:00" in event.detail
    assert world.wakeups.due[-1] == end
    urgent = await world.schedule(
        ScheduleNotificationCommand(
            WRITER, "now", recipient="crm-1", channels=("email",), urgent=True
        )
    )
    assert urgent.notification.due_at == NOW


async def test_quiet_hours_end_at_the_local_time_across_a_dst_change(world: World) -> None:
    await recipient(world, **NEW_YORK)
    # 01:30 EST on 2026-03-08; clocks spring forward at 02:00, so 08:00 is EDT (UTC-4).
    at = "2026-03-08T06:30:00Z"
    sent = await world.schedule(
        ScheduleNotificationCommand(WRITER, "hi", recipient="crm-1", channels=("sms",), sendtime=at)
    )
    assert sent.notification.due_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    outside = NOW + timedelta(hours=2)  # 09:00 EST
    later = await world.schedule(
        ScheduleNotificationCommand(
            WRITER, "hi", recipient="crm-1", channels=("sms",), sendtime=outside.isoformat()
        )
    )
    assert later.notification.due_at == outside


async def test_a_recipient_without_an_account_who_replies_stop_is_texted_no_more(
    world: World,
) -> None:
    crm = await recipient(world)
    world.sms.refuse("+15105552054", Refusal.OPTED_OUT)
    await world.schedule(
        ScheduleNotificationCommand(WRITER, "x", recipient="crm-1", channels=("sms",))
    )
    [[outcome]] = await world.run_due()
    assert outcome.error_code == "21610"
    stored = await world.recipients.get_by_id(crm.id)
    assert stored is not None
    assert stored.sms_opted_out
    sent = await world.schedule(ScheduleNotificationCommand(WRITER, "y", recipient="crm-1"))
    assert [n.channel for n in sent.items] == [Channel.EMAIL]
    assert sent.skipped[0][0] is Channel.SMS


def test_a_body_hashes_the_same_whatever_the_order_of_its_data() -> None:
    def body(data: dict[str, object]) -> ScheduleNotificationCommand:
        return ScheduleNotificationCommand(WRITER, recipient="crm-1", template="t", data=data)

    assert body({"a": 1, "b": 2}).body_hash() == body({"b": 2, "a": 1}).body_hash()
    assert body({"a": 1}).body_hash() != body({"a": 2}).body_hash()
