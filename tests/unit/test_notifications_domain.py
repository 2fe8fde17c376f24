"""Contact value objects, the notification state machine, sendtime parsing, retry policy."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict, InvalidInput, InvalidValue
from domain.ids import new_id
from domain.notifications import (
    Notification,
    RetryPolicy,
    Status,
    can_advance,
    parse_sendtime,
    predecessors,
)
from domain.preferences import Channel, ContactPreferences, EmailAddress, NotifyPref, PhoneNumber

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (15105552054, "+15105552054"),
        ("15105552054", "+15105552054"),
        ("+1 (510) 555-2054", "+15105552054"),
        ("0044 7700 900123", "+447700900123"),
    ],
)
def test_phone_numbers_become_e164(raw: str | int, expected: str) -> None:
    assert PhoneNumber(raw).value == expected


@pytest.mark.parametrize("raw", ["12", "+0123456789", "phone", "", True, "+1234567890123456"])
def test_bad_phone_numbers(raw: str | int) -> None:
    with pytest.raises(InvalidValue, match=r"E\.164"):
        PhoneNumber(raw)


def test_email_addresses() -> None:
    assert EmailAddress(" Guy@Example.COM ").value == "Guy@example.com"
    for bad in ["guy", "guy@", "@example.com", "guy@example", "a b@example.com"]:
        with pytest.raises(InvalidValue):
            EmailAddress(bad)


def test_notify_pref_accepts_the_seed_spelling() -> None:
    assert NotifyPref.parse("None") is NotifyPref.NONE
    assert NotifyPref.parse("SMS").channel is Channel.SMS
    assert NotifyPref.NONE.channel is None
    with pytest.raises(InvalidValue):
        NotifyPref.parse("pigeon")


def test_a_preferred_channel_needs_its_address() -> None:
    prefs = ContactPreferences.default(new_id(), NOW)
    with pytest.raises(InvalidInput) as sms:
        prefs.change(NOW, notify_pref=NotifyPref.SMS, email=None, phone=None)
    assert sms.value.errors[0].field == "phone"
    with pytest.raises(InvalidInput) as email:
        prefs.change(NOW, notify_pref=NotifyPref.EMAIL, email=None, phone=None)
    assert email.value.errors[0].field == "email"


def test_a_new_phone_clears_the_opt_out() -> None:
    phone = PhoneNumber("+15105552054")
    prefs = ContactPreferences(new_id(), NotifyPref.SMS, None, phone, NOW, sms_opted_out=True)
    same = prefs.change(NOW, notify_pref=NotifyPref.SMS, email=None, phone=phone)
    assert same.sms_opted_out
    other = prefs.change(
        NOW, notify_pref=NotifyPref.SMS, email=None, phone=PhoneNumber("+15105550000")
    )
    assert not other.sms_opted_out


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.SCHEDULED, Status.QUEUED, True),
        (Status.QUEUED, Status.SENDING, True),
        (Status.SENDING, Status.SENT, True),
        (Status.SENT, Status.DELIVERED, True),
        (Status.QUEUED, Status.SENT, True),  # a callback may overtake our own record
        (Status.SENT, Status.FAILED, True),
        (Status.DELIVERED, Status.SENT, False),  # a late "sent" never overwrites "delivered"
        (Status.DELIVERED, Status.FAILED, False),
        (Status.SENT, Status.SENDING, False),
        (Status.SENT, Status.SENT, False),
        (Status.SCHEDULED, Status.CANCELED, True),
        (Status.QUEUED, Status.CANCELED, True),
        (Status.SENDING, Status.CANCELED, False),
        (Status.CANCELED, Status.QUEUED, False),
        (Status.FAILED, Status.DELIVERED, False),
    ],
)
def test_status_only_moves_forward(current: Status, target: Status, allowed: bool) -> None:
    assert can_advance(current, target) is allowed
    assert (current in predecessors(target)) is allowed


def test_cancel_refuses_what_started_sending() -> None:
    n = Notification(
        new_id(),
        new_id(),
        new_id(),
        Channel.SMS,
        "+15105552054",
        None,
        "x",
        NOW,
        NOW,
        Status.SENDING,
        NOW,
        NOW,
    )
    with pytest.raises(Conflict, match="only scheduled"):
        n.cancel(NOW)
    scheduled = Notification(
        new_id(),
        new_id(),
        new_id(),
        Channel.SMS,
        "+15105552054",
        None,
        "x",
        NOW,
        NOW,
        Status.SCHEDULED,
        NOW,
        NOW,
    )
    assert scheduled.cancel(NOW).status is Status.CANCELED


def test_sendtime() -> None:
    assert parse_sendtime(None, NOW) == NOW
    assert parse_sendtime("2020-01-01T00:00:00Z", NOW) == NOW  # the past means now
    later = parse_sendtime("2026-03-01T08:00:00-07:00", NOW)
    assert later == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert later.tzinfo == UTC
    with pytest.raises(InvalidValue, match="UTC offset"):
        parse_sendtime("2026-03-01T08:00:00", NOW)
    with pytest.raises(InvalidValue, match="ISO 8601"):
        parse_sendtime("tomorrow", NOW)


def test_retry_policy_backs_off_exponentially_with_jitter() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=1.0, cap_seconds=6.0)
    low, high = (lambda: 0.0), (lambda: 0.999999)
    assert policy.next_delay(1, low) == timedelta(seconds=0.5)
    assert policy.next_delay(2, low) == timedelta(seconds=1.0)
    third, fourth = policy.next_delay(3, high), policy.next_delay(4, high)
    assert third is not None
    assert third < timedelta(seconds=4.0)
    assert fourth is not None
    assert fourth <= timedelta(seconds=6.0)  # capped
    assert policy.next_delay(5, low) is None  # attempts used up
    assert policy.next_delay(1, low, retry_after=3.0) == timedelta(seconds=3.0)
