"""Provider settings: a half-configured provider is refused with a clear message."""

import pytest

from entrypoints.settings import Settings, SettingsError

SID = "AC" + "1" * 32
FROM = "+15550001111"


def settings(**env: str) -> Settings:
    return Settings.from_env({f"HERALD_{k.upper()}": v for k, v in env.items()})


PRODUCTION = {
    "broker_url": "redis://127.0.0.1:6379/0",
    "jwt_secret": "k3J9x-Qm2vL8pZ4tR7wY1bN6cH5dF0gS",
}
TWILIO = {"twilio_account_sid": SID, "twilio_auth_token": "t", "twilio_from_number": FROM}
SENDGRID = {"sendgrid_api_key": "SG.k", "sendgrid_from_email": "noreply@example.com"}


def test_the_embedded_default_uses_the_console_senders() -> None:
    s = settings()
    assert s.channel_providers() == ("console", "console")
    assert s.delivery.provider_timeout_seconds == 10.0


def test_complete_credentials_choose_the_real_provider() -> None:
    s = settings(**PRODUCTION, **TWILIO, **SENDGRID)
    assert s.channel_providers() == ("twilio", "sendgrid")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**TWILIO}, "email has no provider.*HERALD_EMAIL_PROVIDER=sendgrid"),
        ({**SENDGRID}, "SMS has no provider.*HERALD_SMS_PROVIDER=console.*=none"),
        ({**SENDGRID, "sms_provider": "twilio"}, "HERALD_SMS_PROVIDER=twilio needs"),
        ({**TWILIO, "email_provider": "sendgrid"}, "HERALD_EMAIL_PROVIDER=sendgrid needs"),
        ({**TWILIO, "email_provider": "mailgun"}, "invalid setting"),
    ],
)
def test_production_never_falls_back_to_the_console(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        settings(**PRODUCTION, **env)


def test_console_or_none_must_be_chosen_explicitly_in_production() -> None:
    s = settings(**PRODUCTION, sms_provider="none", email_provider="console")
    assert s.channel_providers() == ("none", "console")
    embedded_off = settings(sms_provider="none")
    assert embedded_off.channel_providers().sms == "none"


def test_complete_twilio_and_sendgrid_are_enabled() -> None:
    s = settings(
        twilio_account_sid=SID,
        twilio_auth_token="t",
        twilio_from_number="+15550001111",
        sendgrid_api_key="SG.k",
        sendgrid_from_email="noreply@example.com",
        provider_timeout_seconds="2.5",
    )
    assert (s.twilio.enabled, s.sendgrid.enabled) == (True, True)
    assert s.delivery.provider_timeout_seconds == 2.5


def test_a_messaging_service_can_replace_the_from_number() -> None:
    s = settings(twilio_account_sid=SID, twilio_auth_token="t", twilio_messaging_service_sid="MG1")
    assert s.twilio.enabled


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


SMTP = {"smtp_url": "smtp://herald:s3cret@mail.example.com:587", "smtp_from_email": "a@example.com"}


def test_smtp_is_chosen_explicitly_and_names_its_server() -> None:
    s = settings(**PRODUCTION, **TWILIO, **SMTP, email_provider="smtp", smtp_tls="implicit")
    assert s.channel_providers() == ("twilio", "smtp")
    assert (s.smtp.server.host, s.smtp.server.port, s.smtp.server.tls) == (
        "mail.example.com",
        587,
        "implicit",
    )
    # Complete SMTP settings alone choose nothing: SendGrid's would win silently otherwise.
    with pytest.raises(SettingsError, match=r"email has no provider.*smtp with HERALD_SMTP_"):
        settings(**PRODUCTION, **TWILIO, **SMTP)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"email_provider": "smtp"}, "HERALD_EMAIL_PROVIDER=smtp needs HERALD_SMTP_URL"),
        ({"smtp_url": SMTP["smtp_url"]}, "SMTP is half-configured"),
        ({**SMTP, "smtp_from_email": "nobody"}, "HERALD_SMTP_FROM_EMAIL must be an email"),
        ({**SMTP, "smtp_url": "smtps://u:topsecret@h"}, "HERALD_SMTP_URL must be an smtp://"),
        ({**SMTP, "smtp_url": "smtp://u@h"}, "HERALD_SMTP_URL needs both a user and a password"),
        ({**SMTP, "smtp_tls": "ssl"}, "invalid setting"),
    ],
)
def test_a_bad_smtp_setting_is_refused_without_showing_the_url(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        settings(**env)
    assert "topsecret" not in str(caught.value)
