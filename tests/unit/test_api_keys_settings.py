import pytest

from entrypoints.settings import Settings, SettingsError


def test_the_rate_limit_of_keys_is_read_and_checked() -> None:
    default = Settings.from_env({}).api_keys
    assert (default.rate_limit, default.rate_window_seconds) == (600, 60)
    env = {"HERALD_API_KEY_RATE_LIMIT": "50", "HERALD_API_KEY_RATE_WINDOW_SECONDS": "10"}
    chosen = Settings.from_env(env).api_keys
    assert (chosen.rate_limit, chosen.rate_window_seconds) == (50, 10)
    for name in ("HERALD_API_KEY_RATE_LIMIT", "HERALD_API_KEY_RATE_WINDOW_SECONDS"):
        with pytest.raises(SettingsError, match=f"{name} must be at least 1"):
            Settings.from_env({name: "0"})
