"""Contact preferences: phone numbers, email addresses, the seed's notify_pref, the
rules tying a channel to its address and the SMS opt-out to its number."""

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput, InvalidValue
from domain.ids import new_id
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
