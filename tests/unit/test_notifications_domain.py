"""The notification state machine, sendtime parsing, retry policy."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict, InvalidValue
from domain.ids import new_id
from domain.notifications import (
    Notification,
    RetryPolicy,
    Status,
    can_advance,
    parse_sendtime,
    predecessors,
)
from domain.preferences import Channel

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


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
