"""Typed settings, read once from HERALD_* environment variables and injected everywhere."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Literal

import msgspec
from sentry_sdk.utils import BadDsn, Dsn

from adapters.clock import SystemClock
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.sql.database import DatabaseTimeouts
from entrypoints.logging import LogFormat

PREFIX = "HERALD_"
MIN_SECRET_LENGTH = 32
METRICS_TOKEN_MIN_LENGTH = 16
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._~+/=-]+")  # RFC 6750's token68
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
    login_rate_limit: int = 10  # attempts per client address and username per window
    login_rate_window_seconds: int = 60
    # Failed logins to one account from anywhere, after which only clients that logged in
    # to it before may keep trying, until the window ends.
    login_account_failure_limit: int = 20
    login_account_window_seconds: int = 900
    login_known_client_days: int = 30
    # Addresses (or CIDR ranges) of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; empty: none, the TCP peer is the client.
    trusted_proxies: str = ""
    # OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): a login costs ~25 ms of one
    # core instead of argon2-cffi's 64 MiB x 3 x 4 default, which a 2-core API pays dearly.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    max_body_bytes: int = 1_048_576
    db_pool_size: int = 20
    # PostgreSQL timeouts, so that a database that stops answering costs seconds, not minutes.
    db_connect_timeout_seconds: float = 5.0
    db_statement_timeout_seconds: float = 30.0  # 0: none (`herald migrate` runs without one)
    db_pool_timeout_seconds: float = 5.0  # waiting for a free pooled connection
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
    # Providers. Each channel's provider is chosen explicitly, or follows from complete
    # credentials; the embedded default falls back to the console, production never does.
    sms_provider: Literal["twilio", "console", "none"] | None = None
    email_provider: Literal["sendgrid", "console", "none"] | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: str | None = None  # e.g. a local stub; None means https://api.twilio.com
    sendgrid_api_key: str | None = None
    sendgrid_from_email: str | None = None
    sendgrid_base_url: str = "https://api.sendgrid.com"
    sendgrid_webhook_public_key: str | None = None  # base64 DER key of the signed event webhook
    webhook_max_age_seconds: float = 300.0  # signed callbacks older (or newer) are refused
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
    # Heartbeat of `herald worker` and `herald scheduler` for container healthchecks.
    heartbeat_file: str | None = None  # touched from the event loop; None = no heartbeat
    heartbeat_interval_seconds: float = 5.0
    # Logs and error reporting (issue 10): console lines on a terminal, JSON otherwise;
    # unhandled errors go to Sentry when a DSN is set.
    log_format: LogFormat = "auto"
    sentry_dsn: str | None = None
    sentry_environment: str | None = None
    # Metrics (issue 10): who may scrape, and where the worker and the scheduler serve them.
    metrics_token: str | None = None  # when set, /metrics needs "Authorization: Bearer <it>"
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None  # the worker's and the scheduler's; None: no server
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

    def sms_sender(self) -> Literal["twilio", "console", "none"]:
        """The SMS provider in use; SettingsError when none can be chosen."""
        chosen = self.sms_provider or ("twilio" if self.twilio_enabled else self._fallback("SMS"))
        if chosen == "twilio" and not self.twilio_enabled:
            raise SettingsError(
                "HERALD_SMS_PROVIDER=twilio needs HERALD_TWILIO_ACCOUNT_SID, "
                "HERALD_TWILIO_AUTH_TOKEN and HERALD_TWILIO_FROM_NUMBER (or "
                "HERALD_TWILIO_MESSAGING_SERVICE_SID)"
            )
        return chosen

    def email_sender(self) -> Literal["sendgrid", "console", "none"]:
        """The email provider in use; SettingsError when none can be chosen."""
        chosen = self.email_provider or (
            "sendgrid" if self.sendgrid_enabled else self._fallback("email")
        )
        if chosen == "sendgrid" and not self.sendgrid_enabled:
            raise SettingsError(
                "HERALD_EMAIL_PROVIDER=sendgrid needs HERALD_SENDGRID_API_KEY and "
                "HERALD_SENDGRID_FROM_EMAIL"
            )
        return chosen

    def _fallback(self, channel: str) -> Literal["console"]:
        if self.embedded:
            return "console"
        variable, real = (
            ("HERALD_SMS_PROVIDER", "twilio with the HERALD_TWILIO_* settings")
            if channel == "SMS"
            else ("HERALD_EMAIL_PROVIDER", "sendgrid with the HERALD_SENDGRID_* settings")
        )
        raise SettingsError(
            f"{channel} has no provider. In production mode nothing falls back to the console: "
            f"set {variable}={real}, or {variable}=console to only log the messages, or "
            f"{variable}=none to turn {channel} off."
        )

    @property
    def proxies(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def db_timeouts(self) -> DatabaseTimeouts:
        return DatabaseTimeouts(
            connect=self.db_connect_timeout_seconds,
            statement=self.db_statement_timeout_seconds,
            checkout=self.db_pool_timeout_seconds,
        )

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
            # An empty value means unset, as compose passes `${VAR:-}` through.
            if name.startswith(PREFIX) and value != ""
        }
        unknown = sorted(set(raw) - set(cls.__struct_fields__))
        if unknown:
            raise SettingsError("; ".join(_unknown(name) for name in unknown))
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
        if not (self.db_connect_timeout_seconds > 0 and self.db_pool_timeout_seconds > 0):
            raise SettingsError(
                "HERALD_DB_CONNECT_TIMEOUT_SECONDS and HERALD_DB_POOL_TIMEOUT_SECONDS must be "
                "positive"
            )
        if self.db_statement_timeout_seconds < 0:
            raise SettingsError("HERALD_DB_STATEMENT_TIMEOUT_SECONDS must be 0 (none) or more")
        positive = {
            "HERALD_LOGIN_RATE_LIMIT": self.login_rate_limit,
            "HERALD_LOGIN_RATE_WINDOW_SECONDS": self.login_rate_window_seconds,
            "HERALD_LOGIN_ACCOUNT_FAILURE_LIMIT": self.login_account_failure_limit,
            "HERALD_LOGIN_ACCOUNT_WINDOW_SECONDS": self.login_account_window_seconds,
            "HERALD_LOGIN_KNOWN_CLIENT_DAYS": self.login_known_client_days,
        }
        for name, value in positive.items():
            if value < 1:
                raise SettingsError(f"{name} must be at least 1")
        for proxy in self.proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(
                    f"HERALD_TRUSTED_PROXIES: {proxy!r} is not an IP address or CIDR range"
                ) from None
        if not 0 <= self.auth_cache_seconds <= 60:
            raise SettingsError("HERALD_AUTH_CACHE_SECONDS must be between 0 (off) and 60")
        if not self.heartbeat_interval_seconds > 0:
            raise SettingsError("HERALD_HEARTBEAT_INTERVAL_SECONDS must be a positive number")
        self._validate_providers()
        self._validate_channels()
        self._validate_delivery()
        self._validate_datapoints()
        self._validate_error_reporting()
        self._validate_metrics()

    def _validate_providers(self) -> None:
        # A half-configured provider would silently fall back to the console sender.
        if not self.provider_timeout_seconds > 0:
            raise SettingsError("HERALD_PROVIDER_TIMEOUT_SECONDS must be a positive number")
        if not self.webhook_max_age_seconds > 0:
            raise SettingsError("HERALD_WEBHOOK_MAX_AGE_SECONDS must be a positive number")
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
                SendGridEventVerifier(self.sendgrid_webhook_public_key, 1, SystemClock())
            except ValueError as exc:
                raise SettingsError(
                    f"HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY: {exc}; copy the verification key "
                    "SendGrid shows under Mail Settings > Signed Event Webhook"
                ) from exc
        for name, url in (("TWILIO", self.twilio_base_url), ("SENDGRID", self.sendgrid_base_url)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise SettingsError(f"HERALD_{name}_BASE_URL must start with http:// or https://")

    def _validate_channels(self) -> None:
        self.sms_sender()
        self.email_sender()

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

    def _validate_error_reporting(self) -> None:
        if self.sentry_dsn:  # empty means off, as for the provider credentials
            try:
                Dsn(self.sentry_dsn)
            except BadDsn as exc:
                raise SettingsError(
                    f"HERALD_SENTRY_DSN is not a Sentry DSN ({exc}); copy it from the "
                    "project's Client Keys page: https://<key>@<host>/<project id>"
                ) from None

    def _validate_metrics(self) -> None:
        token = self.metrics_token
        if token is not None and (
            len(token) < METRICS_TOKEN_MIN_LENGTH or not _TOKEN_CHARACTERS.fullmatch(token)
        ):
            raise SettingsError(
                f"HERALD_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters "
                f"without spaces (letters, digits and -._~+/=), e.g. {GENERATE_HINT}"
            )
        if self.metrics_port is not None and not 1 <= self.metrics_port <= 65535:
            raise SettingsError("HERALD_METRICS_PORT must be a TCP port, 1-65535")


_ALL_LISTED = "docs/operations.md lists them all"


def _unknown(field: str) -> str:
    # Compared without the shared prefix, which would make every name look alike.
    close = difflib.get_close_matches(field, Settings.__struct_fields__, n=1, cutoff=0.7)
    hint = f"did you mean {PREFIX}{close[0].upper()}?" if close else _ALL_LISTED
    return f"unknown setting {PREFIX}{field.upper()}: {hint}"
