import pytest

from entrypoints.settings import Settings, SettingsError

STRONG = "k3J9x-Qm2vL8pZ4tR7wY1bN6cH5dF0gS-aE"


def test_defaults_are_the_embedded_mode() -> None:
    settings = Settings.from_env({})
    assert settings.embedded
    assert settings.database_url.startswith("sqlite+aiosqlite")
    assert settings.jwt_secret is None


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
    assert not settings.embedded
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.access_token_ttl_seconds == 60


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HERALD_BROKER_URL": "redis://r:6379"}, "HERALD_JWT_SECRET is not set"),
        ({"HERALD_BROKER_URL": "redis://r:6379", "HERALD_JWT_SECRET": "secret"}, "too weak"),
        ({"HERALD_BROKER_URL": "redis://r", "HERALD_JWT_SECRET": "a" * 40}, "too weak"),
        ({"HERALD_JWT_SECRET": "short"}, "too weak"),
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
    assert settings.twilio_account_sid is None
    assert settings.db_pool_size == Settings().db_pool_size
