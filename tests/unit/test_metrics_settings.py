"""HERALD_METRICS_TOKEN, HERALD_METRICS_HOST and HERALD_METRICS_PORT."""

import pytest

from entrypoints.settings import Settings, SettingsError


def test_metrics_are_open_and_unserved_by_default() -> None:
    settings = Settings.from_env({})
    assert (settings.metrics.token, settings.metrics.host, settings.metrics.port) == (
        None,
        "127.0.0.1",
        None,
    )


def test_metrics_settings_are_read() -> None:
    settings = Settings.from_env(
        {
            "HERALD_METRICS_TOKEN": "Zq3-x9_Lr7.Tw2~Yb5+Kd/4=",
            "HERALD_METRICS_HOST": "0.0.0.0",
            "HERALD_METRICS_PORT": "9464",
        }
    )
    assert settings.metrics.token == "Zq3-x9_Lr7.Tw2~Yb5+Kd/4="
    assert (settings.metrics.host, settings.metrics.port) == ("0.0.0.0", 9464)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HERALD_METRICS_TOKEN": "short"}, "at least 16 characters"),
        ({"HERALD_METRICS_TOKEN": "sixteen chars but spaces"}, "without spaces"),
        ({"HERALD_METRICS_TOKEN": "ünicode-is-not-a-token"}, "without spaces"),
        ({"HERALD_METRICS_PORT": "0"}, "HERALD_METRICS_PORT must be a TCP port"),
        ({"HERALD_METRICS_PORT": "70000"}, "HERALD_METRICS_PORT must be a TCP port"),
        ({"HERALD_METRICS_PORT": "ninety"}, "invalid setting"),
    ],
)
def test_bad_metrics_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
