from typing import Protocol

import pytest

from entrypoints.settings import (
    DatabaseSettings,
    DeliverySettings,
    MetricsSettings,
    Settings,
    SettingsError,
    TwilioSettings,
)


class Validated(Protocol):
    def validate(self) -> None: ...


STRONG = "k3J9x-Qm2vL8pZ4tR7wY1bN6cH5dF0gS-aE"


def test_defaults_are_the_embedded_mode() -> None:
    settings = Settings.from_env({})
    assert settings.mode.embedded
    assert settings.database.url.startswith("sqlite+aiosqlite")
    assert settings.accounts.jwt_secret is None


def test_values_are_read_and_typed() -> None:
    settings = Settings.from_env(
        {
            "HERALD_BROKER_URL": "redis://127.0.0.1:6379/0",
            "HERALD_JWT_SECRET": STRONG,
            "HERALD_ACCESS_TOKEN_TTL_SECONDS": "60",
            "HERALD_SMS_PROVIDER": "console",
            "HERALD_EMAIL_PROVIDER": "none",
            "OTHER_VARIABLE": "ignored",
        }
    )
    assert not settings.mode.embedded
    assert settings.mode.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.accounts.access_token_ttl_seconds == 60


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HERALD_BROKER_URL": "redis://r:6379"}, "HERALD_JWT_SECRET is not set"),
        ({"HERALD_BROKER_URL": "redis://r:6379", "HERALD_JWT_SECRET": "secret"}, "too weak"),
        ({"HERALD_BROKER_URL": "redis://r", "HERALD_JWT_SECRET": "a" * 40}, "too weak"),
        ({"HERALD_JWT_SECRET": "short"}, "too weak"),
        ({"HERALD_MFA_KEY": "b" * 40}, "HERALD_MFA_KEY is too weak"),
        ({"HERALD_MFA_CHALLENGE_SECONDS": "5"}, "between 30 and 3600"),
        ({"HERALD_MFA_FAILURE_LIMIT": "0"}, "HERALD_MFA_FAILURE_LIMIT must be at least 1"),
        ({"HERALD_MFA_REQUIRED_FOR_STAFF": "maybe"}, "invalid setting"),
        ({"HERALD_BROKER_URL": "amqp://x"}, "memory:// or a redis://"),
        ({"HERALD_ACCESS_TOKEN_TTL_SECONDS": "soon"}, "invalid setting"),
        ({"HERALD_JWT_ALGORITHM": "none"}, "invalid setting"),
    ],
)
def test_refuses_to_start_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "HERALD_TWILO_ACCOUNT_SID",
            "unknown setting HERALD_TWILO_ACCOUNT_SID: did you mean HERALD_TWILIO_ACCOUNT_SID?",
        ),
        ("HERALD_JWT_SECRT", "did you mean HERALD_JWT_SECRET?"),
        ("HERALD_XYZZY", "unknown setting HERALD_XYZZY: docs/operations.md lists them all"),
    ],
)
def test_an_unknown_herald_name_is_refused_with_the_closest_known_one(
    name: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: "AC" + "1" * 32})


def test_an_empty_value_means_unset() -> None:
    settings = Settings.from_env({"HERALD_TWILIO_ACCOUNT_SID": "", "HERALD_DB_POOL_SIZE": ""})
    assert settings.twilio.account_sid is None
    assert settings.database.pool_size == Settings().database.pool_size


def test_each_name_is_read_into_its_group() -> None:
    settings = Settings.from_env(
        {
            "HERALD_DATABASE_URL": "sqlite+aiosqlite:///x.db",
            "HERALD_DB_POOL_SIZE": "3",
            "HERALD_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "HERALD_TWILIO_AUTH_TOKEN": "t",
            "HERALD_TWILIO_FROM_NUMBER": "+15550001111",
            "HERALD_NOTIFY_POLL_SECONDS": "0.5",
            "HERALD_WEBHOOK_MAX_AGE_SECONDS": "60",
        }
    )
    assert (settings.database.url, settings.database.pool_size) == ("sqlite+aiosqlite:///x.db", 3)
    assert settings.twilio.from_number == "+15550001111"
    assert settings.delivery.poll_seconds == 0.5
    assert settings.sendgrid.webhook_max_age_seconds == 60


@pytest.mark.parametrize(
    ("group", "message"),
    [
        (DatabaseSettings(pool_size=0), "HERALD_DB_POOL_SIZE"),
        (DatabaseSettings(direct_pool_size=0), "HERALD_DB_DIRECT_POOL_SIZE"),
        (TwilioSettings(auth_token="t"), "HERALD_TWILIO_ACCOUNT_SID"),
        (DeliverySettings(lease_seconds=5), "HERALD_NOTIFY_LEASE_SECONDS"),
        (MetricsSettings(port=0), "HERALD_METRICS_PORT"),
    ],
)
def test_each_group_validates_itself(group: Validated, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        group.validate()


def test_values_by_name_are_checked_as_from_the_environment() -> None:
    assert Settings.from_names({"db_pool_size": "7"}).database.pool_size == 7
    with pytest.raises(SettingsError, match="did you mean HERALD_DB_POOL_SIZE"):
        Settings.from_names({"db_pool_sise": 7})
    with pytest.raises(SettingsError, match="invalid setting"):
        Settings.from_names({"metrics_port": "ninety"})
