"""Typed settings, read once from HERALD_* environment variables and injected everywhere."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

import msgspec

from adapters.providers.sendgrid_signature import SendGridEventVerifier

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
    # OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): a login costs ~25 ms of one
    # core instead of argon2-cffi's 64 MiB x 3 x 4 default, which a 2-core API pays dearly.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    max_body_bytes: int = 1_048_576
    db_pool_size: int = 20
    auth_cache_seconds: float = 1.0  # how long a process may trust a session it looked up
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
    # Providers: each real adapter is used only when its credentials are set.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: str | None = None  # e.g. a local stub; None means https://api.twilio.com
    sendgrid_api_key: str | None = None
    sendgrid_from_email: str | None = None
    sendgrid_base_url: str = "https://api.sendgrid.com"
    sendgrid_webhook_public_key: str | None = None  # base64 DER key of the signed event webhook
    provider_timeout_seconds: float = 10.0
    # Delivery engine (notifications).
    task_queue: str = "herald"  # Redis stream, consumer group and wake-up channel prefix
    notify_claim_batch: int = 1000
    notify_message_batch: int = 50
    notify_lease_seconds: float = 60.0
    notify_max_attempts: int = 5
    notify_backoff_base_seconds: float = 1.0
    notify_backoff_cap_seconds: float = 300.0
    notify_poll_seconds: float = 1.0  # the longest the scheduler sleeps without a wake-up
    notify_lookahead_seconds: float = 1.0  # the scheduler claims work due this soon
    notify_batch_window_seconds: float = 0.03  # least time between two hand-offs
    # Populate (issue 10): upstream calls of one populate run in flight at once.
    data_upstream_concurrency: int = 8

    @property
    def embedded(self) -> bool:
        """No broker configured: everything runs in one process on SQLite."""
        return self.broker_url.startswith("memory://")

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def sendgrid_enabled(self) -> bool:
        return bool(self.sendgrid_api_key and self.sendgrid_from_email)

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
        if self.db_pool_size < 1:
            raise SettingsError("HERALD_DB_POOL_SIZE must be at least 1")
        if not 0 <= self.auth_cache_seconds <= 60:
            raise SettingsError("HERALD_AUTH_CACHE_SECONDS must be between 0 (off) and 60")
        self._validate_providers()
        self._validate_delivery()
        self._validate_datapoints()

    def _validate_providers(self) -> None:
        # A half-configured provider would silently fall back to the console sender.
        if not self.provider_timeout_seconds > 0:
            raise SettingsError("HERALD_PROVIDER_TIMEOUT_SECONDS must be a positive number")
        twilio = {
            "HERALD_TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "HERALD_TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "HERALD_TWILIO_FROM_NUMBER": self.twilio_from_number,
            "HERALD_TWILIO_MESSAGING_SERVICE_SID": self.twilio_messaging_service_sid,
        }
        if any(twilio.values()):
            missing = [name for name in list(twilio)[:2] if not twilio[name]]
            if missing:
                raise SettingsError(f"Twilio is half-configured: set {' and '.join(missing)} too")
            if not (self.twilio_from_number or self.twilio_messaging_service_sid):
                raise SettingsError(
                    "Twilio needs a sender: set HERALD_TWILIO_FROM_NUMBER (E.164) or "
                    "HERALD_TWILIO_MESSAGING_SERVICE_SID"
                )
            if not str(self.twilio_account_sid).startswith("AC"):
                raise SettingsError("HERALD_TWILIO_ACCOUNT_SID must be an account SID (AC...)")
            sid = self.twilio_messaging_service_sid
            if sid and not sid.startswith("MG"):
                raise SettingsError("HERALD_TWILIO_MESSAGING_SERVICE_SID must start with MG")
        if bool(self.sendgrid_api_key) != bool(self.sendgrid_from_email):
            raise SettingsError(
                "SendGrid is half-configured: set both HERALD_SENDGRID_API_KEY and "
                "HERALD_SENDGRID_FROM_EMAIL"
            )
        if self.sendgrid_from_email and "@" not in self.sendgrid_from_email:
            raise SettingsError("HERALD_SENDGRID_FROM_EMAIL must be an email address")
        if self.sendgrid_webhook_public_key:
            try:
                SendGridEventVerifier(self.sendgrid_webhook_public_key)
            except ValueError as exc:
                raise SettingsError(
                    f"HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY: {exc}; copy the verification key "
                    "SendGrid shows under Mail Settings > Signed Event Webhook"
                ) from exc
        for name, url in (("TWILIO", self.twilio_base_url), ("SENDGRID", self.sendgrid_base_url)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise SettingsError(f"HERALD_{name}_BASE_URL must start with http:// or https://")

    def _validate_delivery(self) -> None:
        if self.notify_lease_seconds < 2 * self.provider_timeout_seconds:
            # A lease shorter than an attempt would re-run live attempts: duplicate sends.
            raise SettingsError(
                "HERALD_NOTIFY_LEASE_SECONDS must be at least twice HERALD_PROVIDER_TIMEOUT_SECONDS"
            )
        positive = {
            "HERALD_NOTIFY_CLAIM_BATCH": self.notify_claim_batch,
            "HERALD_NOTIFY_MESSAGE_BATCH": self.notify_message_batch,
            "HERALD_NOTIFY_MAX_ATTEMPTS": self.notify_max_attempts,
            "HERALD_NOTIFY_POLL_SECONDS": self.notify_poll_seconds,
            "HERALD_NOTIFY_LOOKAHEAD_SECONDS": self.notify_lookahead_seconds,
        }
        for name, value in positive.items():
            if not value > 0:
                raise SettingsError(f"{name} must be positive")

    def _validate_datapoints(self) -> None:
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
        if not 1 <= self.data_upstream_concurrency <= 64:
            raise SettingsError("HERALD_DATA_UPSTREAM_CONCURRENCY must be between 1 and 64")
