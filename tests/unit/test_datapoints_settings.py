from pathlib import Path

import pytest

from application.datapoints.populate import FetchPolicy
from entrypoints.ioc import make_container
from entrypoints.settings import Settings, SettingsError
from tests.conftest import make_settings


def test_data_settings_are_checked() -> None:
    env = {"HERALD_DATA_BYTE_ORDER": "big", "HERALD_DATA_INGEST_ENABLED": "false"}
    settings = Settings.from_env(env)
    assert settings.datapoints.byte_order == "big"
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


async def test_upstream_concurrency_is_bounded_and_reaches_the_use_case(tmp_path: Path) -> None:
    assert Settings.from_env({}).datapoints.upstream_concurrency == 8
    for bad in ("0", "65", "-1"):
        with pytest.raises(SettingsError, match="HERALD_DATA_UPSTREAM_CONCURRENCY"):
            Settings.from_env({"HERALD_DATA_UPSTREAM_CONCURRENCY": bad})
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/c.db", data_upstream_concurrency=64)
    container = make_container(settings)
    try:
        assert await container.get(FetchPolicy) == FetchPolicy(concurrency=64)
    finally:
        await container.close()
