import pytest

from entrypoints.settings import Settings, SettingsError


def test_data_settings_are_checked() -> None:
    env = {"HERALD_DATA_BYTE_ORDER": "big", "HERALD_DATA_INGEST_ENABLED": "false"}
    settings = Settings.from_env(env)
    assert settings.data_byte_order == "big"
    assert settings.data_ingest_on is False
    assert Settings.from_env({}).data_ingest_on is True
    with_url = Settings.from_env({"HERALD_DATA_SOURCE_URL": "http://127.0.0.1:9/x"})
    assert with_url.data_ingest_on is False
    for bad in (
        {"HERALD_DATA_SOURCE_URL": "file:///etc/passwd"},
        {"HERALD_DATA_INGEST_COUNT": "0"},
        {"HERALD_DATA_BYTE_ORDER": "middle"},
        {"HERALD_DATA_UPSTREAM_RETRIES": "11"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env(bad)
