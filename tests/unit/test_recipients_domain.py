"""Recipients' value objects and quiet hours, across DST changes, at fixed instants."""

from datetime import UTC, datetime, time
from uuid import uuid4

import pytest

from domain.errors import InvalidValue
from domain.recipients import (
    Contact,
    EmailAddress,
    ExternalId,
    Locale,
    PhoneNumber,
    QuietHours,
    Recipient,
    TimeZone,
    parse_name,
)

NIGHT = QuietHours.parse("21:00", "08:00")
NEW_YORK = TimeZone("America/New_York")
LISBON = TimeZone("Europe/Lisbon")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["a", "user:ann", "crm-42:x", "é" * 128, "with space", "a?b#c%"])
def test_external_ids(raw: str) -> None:
    assert ExternalId(raw).value == raw


@pytest.mark.parametrize("raw", ["", "x" * 129, "a\x00b", "a\nb", "tab\there", "\x7f", "a/b"])
def test_bad_external_ids(raw: str) -> None:
    with pytest.raises(InvalidValue):
        ExternalId(raw)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("en", "en"),
        ("pt-br", "pt-BR"),
        ("PT_BR", "pt-BR"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
    ],
)
def test_locales(raw: str, canonical: str) -> None:
    assert Locale(raw).value == canonical


@pytest.mark.parametrize("raw", ["", "e", "english", "en-", "en-USA1", "en\x00", "x" * 40])
def test_bad_locales(raw: str) -> None:
    with pytest.raises(InvalidValue):
        Locale(raw)


@pytest.mark.parametrize("raw", ["Europe/Nowhere", "", "../etc/passwd", "/etc/localtime", "a\x00"])
def test_bad_time_zones(raw: str) -> None:
    with pytest.raises(InvalidValue):
        TimeZone(raw)


def test_names_are_bounded_and_printable() -> None:
    assert parse_name("  Ann Lee ") == "Ann Lee"
    for bad in ["a\x00", "x" * 201, "line\nbreak"]:
        with pytest.raises(InvalidValue):
            parse_name(bad)


@pytest.mark.parametrize(("start", "end"), [("21:00", "21:00"), ("24:00", "08:00"), ("9:00", "x")])
def test_bad_quiet_hours(start: str, end: str) -> None:
    with pytest.raises(InvalidValue):
        QuietHours.parse(start, end)


def test_outside_quiet_hours_nothing_waits() -> None:
    assert NIGHT.deferral(utc(2026, 6, 1, 16, 0), NEW_YORK) is None  # 12:00 EDT
    assert NIGHT.deferral(utc(2026, 6, 1, 12, 0), NEW_YORK) is None  # 08:00 EDT: the end
    assert NIGHT.deferral(utc(2026, 6, 2, 0, 59), NEW_YORK) is None  # 20:59 EDT


def test_a_window_across_midnight_ends_the_next_morning() -> None:
    assert NIGHT.deferral(utc(2026, 6, 2, 1, 0), NEW_YORK) == utc(2026, 6, 2, 12, 0)  # 21:00
    assert NIGHT.deferral(utc(2026, 6, 2, 9, 0), NEW_YORK) == utc(2026, 6, 2, 12, 0)  # 05:00


def test_a_window_within_one_day() -> None:
    lunch = QuietHours.parse("12:00", "13:30")
    assert lunch.deferral(utc(2026, 6, 1, 11, 15), LISBON) == utc(2026, 6, 1, 12, 30)  # WEST
    assert lunch.deferral(utc(2026, 6, 1, 13, 0), LISBON) is None  # 14:00 WEST


def test_spring_forward_in_new_york() -> None:
    # 2026-03-08 02:00 EST becomes 03:00 EDT: the night is an hour shorter.
    assert NIGHT.deferral(utc(2026, 3, 8, 3, 0), NEW_YORK) == utc(2026, 3, 8, 12, 0)  # 22:00 EST
    assert NIGHT.deferral(utc(2026, 3, 8, 7, 30), NEW_YORK) == utc(2026, 3, 8, 12, 0)  # 03:30 EDT


def test_fall_back_in_new_york() -> None:
    # 2026-11-01 02:00 EDT becomes 01:00 EST: the night is an hour longer.
    assert NIGHT.deferral(utc(2026, 11, 1, 2, 0), NEW_YORK) == utc(2026, 11, 1, 13, 0)  # 22:00 EDT
    assert NIGHT.deferral(utc(2026, 11, 1, 6, 30), NEW_YORK) == utc(2026, 11, 1, 13, 0)  # 01:30 EST


def test_an_end_inside_the_spring_gap_is_just_after_it() -> None:
    early = QuietHours.parse("01:00", "02:30")  # 02:30 does not exist on 2026-03-08
    assert early.deferral(utc(2026, 3, 8, 6, 15), NEW_YORK) == utc(2026, 3, 8, 7, 30)  # 03:30 EDT


def test_an_end_that_happens_twice_is_the_first() -> None:
    early = QuietHours.parse("00:30", "01:30")  # 01:30 happens twice on 2026-11-01
    assert early.deferral(utc(2026, 11, 1, 4, 45), NEW_YORK) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT


def test_lisbon_across_its_changes() -> None:
    # 2026-03-29 01:00 WET -> 02:00 WEST; 2026-10-25 02:00 WEST -> 01:00 WET.
    assert NIGHT.deferral(utc(2026, 3, 28, 22, 0), LISBON) == utc(2026, 3, 29, 7, 0)  # 08:00 WEST
    assert NIGHT.deferral(utc(2026, 10, 24, 22, 0), LISBON) == utc(2026, 10, 25, 8, 0)  # 08:00 WET


def test_quiet_hours_read_back() -> None:
    assert (NIGHT.start, NIGHT.end, str(NIGHT)) == (time(21), time(8), "21:00-08:00")


def test_a_new_phone_is_not_opted_out() -> None:
    phone = PhoneNumber("+15105552054")
    now = utc(2026, 1, 1)
    r = Recipient.new(uuid4(), ExternalId("x"), Contact(phone=phone), now).opt_out(phone.value)
    assert r.sms_opted_out
    assert r.opt_out("+19999999999") == r
    assert r.change(Contact(phone=phone, email=EmailAddress("a@b.co")), now).sms_opted_out
    assert not r.change(Contact(phone=PhoneNumber("+15105550000")), now).sms_opted_out


def test_a_verified_phone_stays_verified_until_it_changes() -> None:
    phone, other = PhoneNumber("+15105552054"), PhoneNumber("+15105550000")
    now = utc(2026, 1, 1)
    r = Recipient.new(uuid4(), ExternalId("x"), Contact(phone=phone), now, phone_verified=True)
    assert r.change(Contact(phone=phone, name="Ann"), now).phone_verified
    assert not r.change(Contact(phone=other), now).phone_verified
    assert r.change(Contact(phone=other), now, phone_verified=True).phone_verified
    assert not r.change(Contact(phone=phone), now, phone_verified=False).phone_verified
    assert not r.change(Contact(), now, phone_verified=True).phone_verified  # no phone
