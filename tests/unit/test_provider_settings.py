"""Provider settings: a half-configured provider is refused with a clear message."""

import pytest

from entrypoints.settings import Settings, SettingsError

SID = "AC" + "1" * 32
FROM = "+15550001111"


def settings(**env: str) -> Settings:
    return Settings.from_env({f"HERALD_{k.upper()}": v for k, v in env.items()})


def test_no_provider_settings_means_console_senders() -> None:
    s = settings()
    assert (s.twilio_enabled, s.sendgrid_enabled) == (False, False)
    assert s.provider_timeout_seconds == 10.0


def test_complete_twilio_and_sendgrid_are_enabled() -> None:
    s = settings(
        twilio_account_sid=SID,
        twilio_auth_token="t",
        twilio_from_number="+15550001111",
        sendgrid_api_key="SG.k",
        sendgrid_from_email="noreply@example.com",
        provider_timeout_seconds="2.5",
    )
    assert (s.twilio_enabled, s.sendgrid_enabled) == (True, True)
    assert s.provider_timeout_seconds == 2.5


def test_a_messaging_service_can_replace_the_from_number() -> None:
    s = settings(twilio_account_sid=SID, twilio_auth_token="t", twilio_messaging_service_sid="MG1")
    assert s.twilio_enabled


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"twilio_account_sid": SID, "twilio_from_number": FROM}, "HERALD_TWILIO_AUTH_TOKEN"),
        ({"twilio_auth_token": "t"}, "HERALD_TWILIO_ACCOUNT_SID"),
        ({"twilio_from_number": "+15550001111"}, "HERALD_TWILIO_ACCOUNT_SID"),
        ({"twilio_account_sid": SID, "twilio_auth_token": "t"}, "HERALD_TWILIO_FROM_NUMBER"),
        (
            {"twilio_account_sid": "nope", "twilio_auth_token": "t", "twilio_from_number": "+1555"},
            "HERALD_TWILIO_ACCOUNT_SID",
        ),
        (
            {
                "twilio_account_sid": SID,
                "twilio_auth_token": "t",
                "twilio_messaging_service_sid": "X",
            },
            "HERALD_TWILIO_MESSAGING_SERVICE_SID",
        ),
        ({"sendgrid_api_key": "SG.k"}, "HERALD_SENDGRID_FROM_EMAIL"),
        ({"sendgrid_from_email": "noreply@example.com"}, "HERALD_SENDGRID_API_KEY"),
        ({"sendgrid_api_key": "SG.k", "sendgrid_from_email": "x"}, "HERALD_SENDGRID_FROM_EMAIL"),
        ({"sendgrid_base_url": "api.sendgrid.com"}, "HERALD_SENDGRID_BASE_URL"),
        ({"twilio_base_url": "localhost:1"}, "HERALD_TWILIO_BASE_URL"),
        ({"provider_timeout_seconds": "0"}, "HERALD_PROVIDER_TIMEOUT_SECONDS"),
    ],
)
def test_half_configured_providers_are_refused(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        settings(**env)


def test_a_bad_sendgrid_webhook_key_is_refused_at_start() -> None:
    with pytest.raises(SettingsError, match="HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY"):
        settings(sendgrid_webhook_public_key="bm90IGEga2V5")
