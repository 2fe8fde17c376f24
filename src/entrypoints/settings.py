"""Typed settings, read once from HERALD_* environment variables and injected everywhere."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

import msgspec

PREFIX = "HERALD_"
MIN_SECRET_LENGTH = 32
GENERATE_HINT = "the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"


class SettingsError(Exception):
    """The environment asks for something Herald cannot run with; the message says what to set."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str = "sqlite+aiosqlite:///.herald/herald.db"
    broker_url: str = "memory://"
    data_dir: str = ".herald"
    jwt_secret: str | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "herald"
    jwt_audience: str = "herald-api"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 14 * 24 * 3600
    login_rate_limit: int = 10
    login_rate_window_seconds: int = 60
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    max_body_bytes: int = 1_048_576
    db_pool_size: int = 10
    log_level: str = "INFO"
    public_url: str = "http://127.0.0.1:8000"
    session_purge_cron: str = "17 * * * *"
    # Data points (issue 4). No URL: the simulated source of the embedded default.
    data_source_url: str | None = None
    data_byte_order: Literal["little", "big"] = "little"
    data_max_age_seconds: int = 3600
    data_upstream_timeout_seconds: float = 5.0
    data_upstream_retries: int = 2
    data_simulated_points_per_fetch: int = 10
    # Periodic ingestion: cron wins over the interval; None means on only in the embedded
    # default with the simulated source.
    data_ingest_enabled: bool | None = None
    data_ingest_cron: str | None = None
    data_ingest_interval_seconds: int = 60
    data_ingest_count: int = 1

    @property
    def embedded(self) -> bool:
        """No broker configured: everything runs in one process on SQLite."""
        return self.broker_url.startswith("memory://")

    @property
    def redis_url(self) -> str | None:
        return self.broker_url if self.broker_url.startswith(("redis://", "rediss://")) else None

    @property
    def data_ingest_on(self) -> bool:
        if self.data_ingest_enabled is not None:
            return self.data_ingest_enabled
        return self.embedded and not self.data_source_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        raw = {
            name.removeprefix(PREFIX).lower(): value
            for name, value in env.items()
            if name.startswith(PREFIX)
            and name.removeprefix(PREFIX).lower() in cls.__struct_fields__
        }
        try:
            settings = msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"invalid setting: {exc} (names are HERALD_<FIELD>)") from exc
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.data_source_url and not self.data_source_url.startswith(("http://", "https://")):
            raise SettingsError("HERALD_DATA_SOURCE_URL must be an http:// or https:// URL")
        if not 1 <= self.data_ingest_count <= 1000:
            raise SettingsError("HERALD_DATA_INGEST_COUNT must be between 1 and 1000")
        if self.data_ingest_interval_seconds < 1 or self.data_max_age_seconds < 1:
            raise SettingsError(
                "HERALD_DATA_INGEST_INTERVAL_SECONDS and HERALD_DATA_MAX_AGE_SECONDS must be >= 1"
            )
        if not 0 <= self.data_upstream_retries <= 10 or self.data_upstream_timeout_seconds <= 0:
            raise SettingsError(
                "HERALD_DATA_UPSTREAM_RETRIES must be 0-10 and the upstream timeout positive"
            )
        if self.redis_url is None and not self.embedded:
            raise SettingsError("HERALD_BROKER_URL must be memory:// or a redis:// URL")
        if not self.embedded and not self.jwt_secret:
            raise SettingsError(
                "HERALD_JWT_SECRET is not set. With a broker configured Herald runs in "
                f"production mode and needs a shared secret of at least {MIN_SECRET_LENGTH} "
                f"random characters, e.g. {GENERATE_HINT}."
            )
        if self.jwt_secret is not None and (
            len(self.jwt_secret) < MIN_SECRET_LENGTH or len(set(self.jwt_secret)) < 10
        ):
            raise SettingsError(
                f"HERALD_JWT_SECRET is too weak: use at least {MIN_SECRET_LENGTH} random "
                f"characters, e.g. {GENERATE_HINT}."
            )
