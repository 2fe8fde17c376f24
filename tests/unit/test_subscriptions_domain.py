"""The subscription state machine, the compliance keywords and country codes."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict, InvalidValue
from domain.ids import new_id
from domain.subscriptions import (
    Keyword,
    Status,
    Subscription,
    can_move,
    compliance_keyword,
    country_code,
    inbound_body,
    program_name,
)

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
TTL = timedelta(hours=24)


def pending() -> Subscription:
    made, change = Subscription.new(
        new_id(), "+15105552054", "Herald updates", new_id(), None, NOW, TTL
    )
    assert change.from_status is None
    assert change.to_status is Status.PENDING
    return made


LEGAL = {
    (Status.PENDING, Status.ACTIVE),
    (Status.PENDING, Status.DECLINED),
    (Status.PENDING, Status.EXPIRED),
    (Status.PENDING, Status.UNSUBSCRIBED),
    (Status.ACTIVE, Status.UNSUBSCRIBED),
    (Status.UNSUBSCRIBED, Status.ACTIVE),
    (Status.DECLINED, Status.ACTIVE),
    (Status.EXPIRED, Status.ACTIVE),
}


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_only_the_listed_moves_are_allowed(current: Status, target: Status) -> None:
    assert can_move(current, target) is ((current, target) in LEGAL)


def test_a_subscription_moves_and_records_the_change() -> None:
    later = NOW + timedelta(minutes=1)
    active, change = pending().move(Status.ACTIVE, later, "replied YES")
    assert active.status is Status.ACTIVE
    assert active.updated_at == later
    assert (change.from_status, change.to_status, change.reason) == (
        Status.PENDING,
        Status.ACTIVE,
        "replied YES",
    )
    gone, _ = active.move(Status.UNSUBSCRIBED, later, "STOP")
    back, _ = gone.move(Status.ACTIVE, later, "START")
    assert back.status is Status.ACTIVE


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([Status.ACTIVE], Status.DECLINED),
        ([Status.ACTIVE], Status.EXPIRED),
        ([Status.ACTIVE], Status.PENDING),
        ([Status.DECLINED], Status.UNSUBSCRIBED),
        ([Status.ACTIVE, Status.UNSUBSCRIBED], Status.DECLINED),
    ],
)
def test_illegal_moves_are_refused(path: list[Status], illegal: Status) -> None:
    s = pending()
    for target in path:
        s, _ = s.move(target, NOW, "test")
    with pytest.raises(Conflict, match=f"{s.status} cannot become {illegal}"):
        s.move(illegal, NOW, "test")


def test_expiry_and_the_resend_rule() -> None:
    s = pending()
    assert not s.is_expired(NOW + TTL - timedelta(seconds=1))
    assert s.is_expired(NOW + TTL)
    assert not s.may_resend(NOW + timedelta(seconds=59), timedelta(seconds=60))
    assert s.may_resend(NOW + timedelta(seconds=60), timedelta(seconds=60))
    resent = s.resent(NOW + timedelta(seconds=60))
    assert not resent.may_resend(NOW + timedelta(seconds=90), timedelta(seconds=60))


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "unsubscribe",
        "Cancel!",
        "END",
        "quit",
        "REVOKE",
        "optout",
    ],
)
def test_stop_keywords(body: str) -> None:
    assert compliance_keyword(body, pending=False) is Keyword.STOP
    assert compliance_keyword(body, pending=True) is Keyword.STOP


@pytest.mark.parametrize("body", ["START", "unstop", "Start!"])
def test_start_keywords(body: str) -> None:
    assert compliance_keyword(body, pending=True) is Keyword.START


def test_yes_opts_in_only_when_nothing_is_pending() -> None:
    assert compliance_keyword("yes", pending=False) is Keyword.START
    assert compliance_keyword("YES!", pending=True) is None


@pytest.mark.parametrize("body", ["HELP", "info", "Help?"])
def test_help_keywords(body: str) -> None:
    assert compliance_keyword(body, pending=False) is Keyword.HELP


@pytest.mark.parametrize(
    "body", ["Stop. Thank you", "please stop texting me", "stop it", "STOP STOP", "", "helpful"]
)
def test_a_keyword_must_be_the_whole_message(body: str) -> None:
    assert compliance_keyword(body, pending=False) is None


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("+15105552054", "1"),
        ("+447700900123", "44"),
        ("+5215512345678", "52"),
        ("+79161234567", "7"),
        ("+351912345678", "351"),
        ("+8613800138000", "86"),
    ],
)
def test_country_codes(phone: str, code: str) -> None:
    assert country_code(phone) == code


def test_bounded_inputs() -> None:
    assert program_name("  Herald updates ") == "Herald updates"
    with pytest.raises(InvalidValue):
        program_name("")
    with pytest.raises(InvalidValue):
        inbound_body("x" * 1601)
    with pytest.raises(InvalidValue):
        inbound_body("a\x00b")
