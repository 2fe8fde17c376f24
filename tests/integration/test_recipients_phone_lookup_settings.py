"""HERALD_PHONE_LOOKUP and its group: the format check by default, Twilio Lookup only
with the Twilio account, and the binding each gives."""

import pytest

from adapters.memory.phone_lookup import FormatPhoneLookup
from application.ports.phone_lookup import LineType, PhoneLookup
from domain.preferences import PhoneNumber
from entrypoints.ioc import make_container
from entrypoints.settings import Settings, SettingsError
from tests.conftest import make_settings
from tests.support.stubs import twilio, twilio_lookup
from tests.support.stubs.fixtures import RunningStub
from tests.support.stubs.twilio_lookup import TwilioLookupStub

TWILIO = {
    "HERALD_TWILIO_ACCOUNT_SID": twilio.ACCOUNT_SID,
    "HERALD_TWILIO_AUTH_TOKEN": twilio.AUTH_TOKEN,
    "HERALD_TWILIO_FROM_NUMBER": "+15005550006",
}


def test_numbers_are_checked_by_their_format_unless_twilio_is_asked_for() -> None:
    assert Settings.from_env({}).phone_lookup.provider == "format"
    assert Settings.from_env(TWILIO).phone_lookup.provider == "format"
    settings = Settings.from_env(
        TWILIO
        | {
            "HERALD_PHONE_LOOKUP": "twilio",
            "HERALD_PHONE_LOOKUP_CACHE_SECONDS": "600",
            "HERALD_PHONE_LOOKUP_CACHE_SIZE": "50",
            "HERALD_PHONE_LOOKUP_TIMEOUT_SECONDS": "1.5",
            "HERALD_PHONE_LOOKUP_BASE_URL": "http://127.0.0.1:8903",
        }
    )
    lookup = settings.phone_lookup
    assert (lookup.provider, lookup.cache_seconds, lookup.cache_size) == ("twilio", 600, 50)
    assert (lookup.timeout_seconds, lookup.base_url) == (1.5, "http://127.0.0.1:8903")


def test_twilio_lookup_without_the_twilio_account_is_refused() -> None:
    with pytest.raises(SettingsError, match="HERALD_PHONE_LOOKUP=twilio needs the Twilio account"):
        Settings.from_env({"HERALD_PHONE_LOOKUP": "twilio"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HERALD_PHONE_LOOKUP": "carrier"}, "invalid setting"),
        ({"HERALD_PHONE_LOOKUP_CACHE_SECONDS": "0"}, "HERALD_PHONE_LOOKUP_CACHE_SECONDS"),
        ({"HERALD_PHONE_LOOKUP_CACHE_SIZE": "0"}, "HERALD_PHONE_LOOKUP_CACHE_SIZE"),
        ({"HERALD_PHONE_LOOKUP_TIMEOUT_SECONDS": "-1"}, "HERALD_PHONE_LOOKUP_TIMEOUT_SECONDS"),
        ({"HERALD_PHONE_LOOKUP_BASE_URL": "lookups.twilio.com"}, "must start with http"),
    ],
)
def test_bad_values_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


async def test_the_format_check_is_bound_by_default(sqlite_url: str) -> None:
    container = make_container(make_settings(sqlite_url))
    try:
        assert isinstance(await container.get(PhoneLookup), FormatPhoneLookup)
    finally:
        await container.close()


async def test_twilio_lookup_is_bound_behind_the_cache(
    sqlite_url: str, twilio_lookup_stub: RunningStub[TwilioLookupStub]
) -> None:
    settings = make_settings(
        sqlite_url,
        phone_lookup="twilio",
        phone_lookup_base_url=twilio_lookup_stub.url,
        twilio_account_sid=twilio.ACCOUNT_SID,
        twilio_auth_token=twilio.AUTH_TOKEN,
        twilio_from_number="+15005550006",
    )
    container = make_container(settings)
    try:
        lookup = await container.get(PhoneLookup)
        for _ in range(2):
            result = await lookup.check(PhoneNumber(twilio_lookup.LANDLINE))
            assert (result.line_type, result.verified) == (LineType.LANDLINE, True)
    finally:
        await container.close()
    assert [m.number for m in twilio_lookup_stub.app.messages] == [twilio_lookup.LANDLINE]
