"""Typed settings, read once from HERALD_* environment variables, grouped by capability.

Each group is a struct of its own, validated on its own and injected alone (the Twilio
sender's provider takes `TwilioSettings`, not everything). A group's fields are renamed
to the names they are read from, so operators keep setting `HERALD_TWILIO_ACCOUNT_SID`
while the code reads `settings.twilio.account_sid`. `Settings` holds the groups and
checks what spans them: production mode needs a secret and an explicit provider per
channel.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

import msgspec
from sentry_sdk.utils import BadDsn, Dsn

from adapters.clock import SystemClock
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.smtp.notifications import SmtpServer, SmtpTls
from adapters.sql.database import DatabaseTimeouts
from entrypoints.logging import LogFormat

PREFIX = "HERALD_"
MIN_SECRET_LENGTH = 32
METRICS_TOKEN_MIN_LENGTH = 16
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._~+/=-]+")  # RFC 6750's token68
GENERATE_HINT = "the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"

SmsProvider = Literal["twilio", "console", "none"]
EmailProvider = Literal["sendgrid", "smtp", "console", "none"]
PhoneLookupProvider = Literal["twilio", "format"]


class SettingsError(Exception):
    """The environment asks for something Herald cannot run with; the message says what to set."""


def _read_as(prefix: str, *as_is: str, **renamed: str) -> Callable[[str], str | None]:
    """msgspec's `rename`: a field is read from `<prefix><field>`; those in `as_is` from
    their own name (None: not renamed), those in `renamed` from the name given."""
    return lambda field: None if field in as_is else renamed.get(field, prefix + field)


def _at_least_one(values: Mapping[str, float]) -> None:
    for name, value in values.items():
        if value < 1:
            raise SettingsError(f"{name} must be at least 1")


class ModeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Embedded default (`memory://`) or production mode (a Redis broker)."""

    broker_url: str = "memory://"
    task_queue: str = "herald"  # Redis stream, consumer group and wake-up channel prefix
    data_dir: str = ".herald"

    @property
    def embedded(self) -> bool:
        """No broker configured: everything runs in one process on SQLite."""
        return self.broker_url.startswith("memory://")

    @property
    def redis_url(self) -> str | None:
        return self.broker_url if self.broker_url.startswith(("redis://", "rediss://")) else None

    def validate(self) -> None:
        if self.redis_url is None and not self.embedded:
            raise SettingsError("HERALD_BROKER_URL must be memory:// or a redis:// URL")


class DatabaseSettings(
    msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("db_", url="database_url")
):
    url: str = "sqlite+aiosqlite:///.herald/herald.db"
    pool_size: int = 20
    # The direct pool's statements are short and CPU-bound on the server: more of them at
    # once than a few per server core only makes them preempt each other (docs/
    # benchmarks.md, section 22); the rest wait their turn in order.
    direct_pool_size: int = 8
    # PostgreSQL timeouts, so that a database that stops answering costs seconds, not minutes.
    connect_timeout_seconds: float = 5.0
    statement_timeout_seconds: float = 30.0  # 0: none (`herald migrate` runs without one)
    pool_timeout_seconds: float = 5.0  # waiting for a free pooled connection

    @property
    def timeouts(self) -> DatabaseTimeouts:
        return DatabaseTimeouts(
            connect=self.connect_timeout_seconds,
            statement=self.statement_timeout_seconds,
            checkout=self.pool_timeout_seconds,
        )

    def validate(self) -> None:
        if self.pool_size < 1 or self.direct_pool_size < 1:
            raise SettingsError(
                "HERALD_DB_POOL_SIZE and HERALD_DB_DIRECT_POOL_SIZE must be at least 1"
            )
        if not (self.connect_timeout_seconds > 0 and self.pool_timeout_seconds > 0):
            raise SettingsError(
                "HERALD_DB_CONNECT_TIMEOUT_SECONDS and HERALD_DB_POOL_TIMEOUT_SECONDS must be "
                "positive"
            )
        if self.statement_timeout_seconds < 0:
            raise SettingsError("HERALD_DB_STATEMENT_TIMEOUT_SECONDS must be 0 (none) or more")


class AccountsSettings(msgspec.Struct, frozen=True, kw_only=True):
    jwt_secret: str | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "herald"
    jwt_audience: str = "herald-api"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 14 * 24 * 3600
    auth_cache_seconds: float = 1.0  # how long a process may trust a session it looked up
    session_purge_cron: str = "17 * * * *"
    # OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): a login costs ~25 ms of one
    # core instead of argon2-cffi's 64 MiB x 3 x 4 default, which a 2-core API pays dearly.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    login_rate_limit: int = 10  # attempts per client address and username per window
    login_rate_window_seconds: int = 60
    # Failed logins to one account from anywhere, after which only clients that logged in
    # to it before may keep trying, until the window ends.
    login_account_failure_limit: int = 20
    login_account_window_seconds: int = 900
    login_known_client_days: int = 30
    # Two-factor sign-in (TOTP): admins and agents must have it on to get tokens; the key
    # that seals the stored secrets (None: the JWT secret); a login challenge's life; the
    # wrong codes per account and window after which codes are refused for the window.
    mfa_required_for_staff: bool = False
    mfa_key: str | None = None
    mfa_challenge_seconds: int = 300
    mfa_failure_limit: int = 5
    mfa_failure_window_seconds: int = 600

    def validate(self) -> None:
        for name, secret in (
            ("HERALD_JWT_SECRET", self.jwt_secret),
            ("HERALD_MFA_KEY", self.mfa_key),
        ):
            if secret is not None and (len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 10):
                raise SettingsError(
                    f"{name} is too weak: use at least {MIN_SECRET_LENGTH} random "
                    f"characters, e.g. {GENERATE_HINT}."
                )
        if not 30 <= self.mfa_challenge_seconds <= 3600:
            raise SettingsError("HERALD_MFA_CHALLENGE_SECONDS must be between 30 and 3600")
        _at_least_one(
            {
                "HERALD_MFA_FAILURE_LIMIT": self.mfa_failure_limit,
                "HERALD_MFA_FAILURE_WINDOW_SECONDS": self.mfa_failure_window_seconds,
                "HERALD_LOGIN_RATE_LIMIT": self.login_rate_limit,
                "HERALD_LOGIN_RATE_WINDOW_SECONDS": self.login_rate_window_seconds,
                "HERALD_LOGIN_ACCOUNT_FAILURE_LIMIT": self.login_account_failure_limit,
                "HERALD_LOGIN_ACCOUNT_WINDOW_SECONDS": self.login_account_window_seconds,
                "HERALD_LOGIN_KNOWN_CLIENT_DAYS": self.login_known_client_days,
            }
        )
        if not 0 <= self.auth_cache_seconds <= 60:
            raise SettingsError("HERALD_AUTH_CACHE_SECONDS must be between 0 (off) and 60")


class ApiKeysSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("api_key_")):
    # Requests per key per window (Redis in production, in-process in the embedded
    # default); a key's lookup shares HERALD_AUTH_CACHE_SECONDS with sessions.
    rate_limit: int = 600
    rate_window_seconds: int = 60

    def validate(self) -> None:
        _at_least_one(
            {
                "HERALD_API_KEY_RATE_LIMIT": self.rate_limit,
                "HERALD_API_KEY_RATE_WINDOW_SECONDS": self.rate_window_seconds,
            }
        )


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True):
    public_url: str = "http://127.0.0.1:8000"
    # Addresses (or CIDR ranges) of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; empty: none, the TCP peer is the client.
    trusted_proxies: str = ""
    max_body_bytes: int = 1_048_576

    @property
    def proxies(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def validate(self) -> None:
        for proxy in self.proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(
                    f"HERALD_TRUSTED_PROXIES: {proxy!r} is not an IP address or CIDR range"
                ) from None


class DeliverySettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename=_read_as("notify_", "sms_provider", "email_provider", "provider_timeout_seconds"),
):
    """The notification engine: which provider each channel uses, and its knobs."""

    # Each channel's provider is chosen explicitly, or follows from complete credentials;
    # the embedded default falls back to the console, production never does.
    sms_provider: SmsProvider | None = None
    email_provider: EmailProvider | None = None
    provider_timeout_seconds: float = 10.0
    claim_batch: int = 1000
    message_batch: int = 50
    lease_seconds: float = 60.0
    max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    poll_seconds: float = 1.0  # the longest the dispatcher sleeps without a wake-up
    lookahead_seconds: float = 1.0  # the dispatcher claims work due this soon
    batch_window_seconds: float = 0.03  # least time between two hand-offs

    def validate(self) -> None:
        if not self.provider_timeout_seconds > 0:
            raise SettingsError("HERALD_PROVIDER_TIMEOUT_SECONDS must be a positive number")
        if self.lease_seconds < 2 * self.provider_timeout_seconds:
            # A lease shorter than an attempt would re-run live attempts: duplicate sends.
            raise SettingsError(
                "HERALD_NOTIFY_LEASE_SECONDS must be at least twice HERALD_PROVIDER_TIMEOUT_SECONDS"
            )
        positive = {
            "HERALD_NOTIFY_CLAIM_BATCH": self.claim_batch,
            "HERALD_NOTIFY_MESSAGE_BATCH": self.message_batch,
            "HERALD_NOTIFY_MAX_ATTEMPTS": self.max_attempts,
            "HERALD_NOTIFY_POLL_SECONDS": self.poll_seconds,
            "HERALD_NOTIFY_LOOKAHEAD_SECONDS": self.lookahead_seconds,
        }
        for name, value in positive.items():
            if not value > 0:
                raise SettingsError(f"{name} must be positive")


def _base_url(name: str, url: str | None) -> None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise SettingsError(f"HERALD_{name}_BASE_URL must start with http:// or https://")


class TwilioSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("twilio_")):
    account_sid: str | None = None
    auth_token: str | None = None
    from_number: str | None = None
    messaging_service_sid: str | None = None
    base_url: str | None = None  # e.g. a local stub; None means https://api.twilio.com

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid and self.auth_token)

    def validate(self) -> None:
        # A half-configured provider would silently fall back to the console sender.
        given = {
            "HERALD_TWILIO_ACCOUNT_SID": self.account_sid,
            "HERALD_TWILIO_AUTH_TOKEN": self.auth_token,
            "HERALD_TWILIO_FROM_NUMBER": self.from_number,
            "HERALD_TWILIO_MESSAGING_SERVICE_SID": self.messaging_service_sid,
        }
        if any(given.values()):
            missing = [name for name in list(given)[:2] if not given[name]]
            if missing:
                raise SettingsError(f"Twilio is half-configured: set {' and '.join(missing)} too")
            if not (self.from_number or self.messaging_service_sid):
                raise SettingsError(
                    "Twilio needs a sender: set HERALD_TWILIO_FROM_NUMBER (E.164) or "
                    "HERALD_TWILIO_MESSAGING_SERVICE_SID"
                )
            if not str(self.account_sid).startswith("AC"):
                raise SettingsError("HERALD_TWILIO_ACCOUNT_SID must be an account SID (AC...)")
            sid = self.messaging_service_sid
            if sid and not sid.startswith("MG"):
                raise SettingsError("HERALD_TWILIO_MESSAGING_SERVICE_SID must start with MG")
        _base_url("TWILIO", self.base_url)


class PhoneLookupSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename=_read_as("phone_lookup_", provider="phone_lookup"),
):
    """How recipients' phone numbers are checked: Twilio Lookup v2 (with the Twilio
    account's credentials) or their format alone."""

    provider: PhoneLookupProvider = "format"
    base_url: str | None = None  # e.g. a local stub; None means https://lookups.twilio.com
    timeout_seconds: float = 3.0
    cache_seconds: float = 86400.0
    cache_size: int = 10_000

    def validate(self) -> None:
        if not self.timeout_seconds > 0:
            raise SettingsError("HERALD_PHONE_LOOKUP_TIMEOUT_SECONDS must be a positive number")
        if not self.cache_seconds > 0:
            raise SettingsError("HERALD_PHONE_LOOKUP_CACHE_SECONDS must be a positive number")
        _at_least_one({"HERALD_PHONE_LOOKUP_CACHE_SIZE": self.cache_size})
        _base_url("PHONE_LOOKUP", self.base_url)


class SendGridSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename=_read_as("sendgrid_", "webhook_max_age_seconds"),
):
    api_key: str | None = None
    from_email: str | None = None
    base_url: str = "https://api.sendgrid.com"
    webhook_public_key: str | None = None  # base64 DER key of the signed event webhook
    webhook_max_age_seconds: float = 300.0  # signed events older (or newer) are refused

    @property
    def enabled(self) -> bool:
        return bool(self.api_key and self.from_email)

    def validate(self) -> None:
        if not self.webhook_max_age_seconds > 0:
            raise SettingsError("HERALD_WEBHOOK_MAX_AGE_SECONDS must be a positive number")
        if bool(self.api_key) != bool(self.from_email):
            raise SettingsError(
                "SendGrid is half-configured: set both HERALD_SENDGRID_API_KEY and "
                "HERALD_SENDGRID_FROM_EMAIL"
            )
        if self.from_email and "@" not in self.from_email:
            raise SettingsError("HERALD_SENDGRID_FROM_EMAIL must be an email address")
        if self.webhook_public_key:
            try:
                SendGridEventVerifier(self.webhook_public_key, 1, SystemClock())
            except ValueError as exc:
                raise SettingsError(
                    f"HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY: {exc}; copy the verification key "
                    "SendGrid shows under Mail Settings > Signed Event Webhook"
                ) from exc
        _base_url("SENDGRID", self.base_url)


class SmtpSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("smtp_")):
    """Email over SMTP: the server as a URL, how TLS is used, and the From address."""

    url: str | None = None  # smtp://user:pass@host:port
    tls: SmtpTls = "starttls"  # required STARTTLS, TLS from the start ("implicit"), or none
    from_email: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.url and self.from_email)

    @property
    def server(self) -> SmtpServer:
        assert self.url
        return SmtpServer.from_url(self.url, self.tls)

    def validate(self) -> None:
        if bool(self.url) != bool(self.from_email):
            raise SettingsError(
                "SMTP is half-configured: set both HERALD_SMTP_URL and HERALD_SMTP_FROM_EMAIL"
            )
        if self.from_email and "@" not in self.from_email:
            raise SettingsError("HERALD_SMTP_FROM_EMAIL must be an email address")
        if self.url:
            try:
                SmtpServer.from_url(self.url, self.tls)
            except ValueError as exc:
                # The message never shows the URL: it may hold the password.
                raise SettingsError(f"HERALD_SMTP_URL {exc}") from None


class DatapointsSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("data_")):
    source_url: str | None = None  # None: the simulated source of the embedded default
    byte_order: Literal["little", "big"] = "little"
    max_age_seconds: int = 3600
    upstream_timeout_seconds: float = 5.0
    upstream_retries: int = 2
    upstream_concurrency: int = 8  # upstream calls of one populate run in flight at once
    simulated_points_per_fetch: int = 10
    # Periodic ingestion: cron wins over the interval; None means on only in the embedded
    # default with the simulated source.
    ingest_enabled: bool | None = None
    ingest_cron: str | None = None
    ingest_interval_seconds: int = 60
    ingest_count: int = 1

    def validate(self) -> None:
        if self.source_url and not self.source_url.startswith(("http://", "https://")):
            raise SettingsError("HERALD_DATA_SOURCE_URL must be an http:// or https:// URL")
        if not 1 <= self.ingest_count <= 1000:
            raise SettingsError("HERALD_DATA_INGEST_COUNT must be between 1 and 1000")
        if self.ingest_interval_seconds < 1 or self.max_age_seconds < 1:
            raise SettingsError(
                "HERALD_DATA_INGEST_INTERVAL_SECONDS and HERALD_DATA_MAX_AGE_SECONDS must be >= 1"
            )
        if not 0 <= self.upstream_retries <= 10 or self.upstream_timeout_seconds <= 0:
            raise SettingsError(
                "HERALD_DATA_UPSTREAM_RETRIES must be 0-10 and the upstream timeout positive"
            )
        if not 1 <= self.upstream_concurrency <= 64:
            raise SettingsError("HERALD_DATA_UPSTREAM_CONCURRENCY must be between 1 and 64")


class TemplatesSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("template_")):
    """How big templates and their output may be, and how much work one render may do."""

    max_bytes: int = 32768  # each part's source (sms text, email subject, text, html)
    max_rendered_bytes: int = 65536  # each rendered part, and any value a render builds
    max_steps: int = 10000  # the work of one render (loop items, calls, filters' input): its time
    cache_size: int = 1024  # compiled templates kept per process
    # How long a process may render a template it read (PostgreSQL); other processes see
    # a change within this, the one that made it at once; 0: read on every render.
    read_cache_seconds: float = 1.0

    def validate(self) -> None:
        if not 0 <= self.read_cache_seconds <= 60:
            raise SettingsError("HERALD_TEMPLATE_READ_CACHE_SECONDS must be between 0 (off) and 60")
        for name, value, low, high in (
            ("MAX_BYTES", self.max_bytes, 256, 1 << 20),
            ("MAX_RENDERED_BYTES", self.max_rendered_bytes, 1024, 1 << 22),
            ("MAX_STEPS", self.max_steps, 100, 1_000_000),
            ("CACHE_SIZE", self.cache_size, 1, 100_000),
        ):
            if not low <= value <= high:
                raise SettingsError(f"HERALD_TEMPLATE_{name} must be between {low} and {high}")


class SubscriptionsSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "program_name": "sms_program_name",
        "help_contact": "sms_help_contact",
        "auto_replies_per_hour": "sms_auto_replies_per_hour",
        "confirm_ttl_seconds": "subscription_confirm_ttl_seconds",
        "resend_seconds": "subscription_resend_seconds",
        "update_offsets": "subscription_update_offsets",
        "expire_cron": "subscription_expire_cron",
        "requeue_cron": "inbound_sms_requeue_cron",
        "limit_per_caller_hour": "subscription_limit_per_caller_hour",
        "limit_per_phone_day": "subscription_limit_per_phone_day",
        "limit_per_country_hour": "subscription_limit_per_country_hour",
        "twilio_handles_opt_out": "twilio_handles_opt_out",
        "intent_classifier": "intent_classifier",
        "rasa_url": "rasa_url",
        "rasa_token": "rasa_token",
        "rasa_timeout_seconds": "rasa_timeout_seconds",
        "rasa_confidence_threshold": "rasa_confidence_threshold",
    },
):
    """SMS subscriptions: the program, its texts' timing, the anti-pumping limits."""

    program_name: str = "Herald updates"
    help_contact: str = "support@example.com"
    auto_replies_per_hour: int = 3
    confirm_ttl_seconds: int = 24 * 3600
    resend_seconds: int = 60
    update_offsets: str = "15,35"  # seconds after confirmation, comma-separated
    expire_cron: str = "43 * * * *"  # the sweep of unconfirmed subscriptions
    requeue_cron: str = "* * * * *"  # the sweep of inbound SMS whose task was lost
    limit_per_caller_hour: int = 10
    limit_per_phone_day: int = 5
    limit_per_country_hour: int = 100
    twilio_handles_opt_out: bool = True
    intent_classifier: Literal["local", "rasa"] = "local"
    rasa_url: str | None = None  # e.g. http://rasa:5005
    rasa_token: str | None = None  # Rasa's --auth-token
    rasa_timeout_seconds: float = 2.0
    rasa_confidence_threshold: float = 0.6

    @property
    def offsets(self) -> tuple[float, ...]:
        return tuple(float(o) for o in self.update_offsets.split(",") if o.strip())

    def validate(self) -> None:
        if not 1 <= len(self.program_name.strip()) <= 100:
            raise SettingsError("HERALD_SMS_PROGRAM_NAME must be 1 to 100 characters")
        if not self.help_contact.strip():
            raise SettingsError("HERALD_SMS_HELP_CONTACT must name a support contact (CTIA)")
        try:
            offsets = self.offsets
        except ValueError:
            raise SettingsError(
                "HERALD_SUBSCRIPTION_UPDATE_OFFSETS must be seconds, comma-separated, e.g. 15,35"
            ) from None
        if not 1 <= len(offsets) <= 10 or any(o <= 0 for o in offsets):
            raise SettingsError(
                "HERALD_SUBSCRIPTION_UPDATE_OFFSETS must be 1 to 10 positive numbers of seconds"
            )
        if self.confirm_ttl_seconds < 60:
            raise SettingsError("HERALD_SUBSCRIPTION_CONFIRM_TTL_SECONDS must be at least 60")
        if self.resend_seconds < 0 or self.auto_replies_per_hour < 0:
            raise SettingsError(
                "HERALD_SUBSCRIPTION_RESEND_SECONDS and HERALD_SMS_AUTO_REPLIES_PER_HOUR must "
                "be 0 or more"
            )
        if self.intent_classifier == "rasa" and not self.rasa_url:
            raise SettingsError("HERALD_INTENT_CLASSIFIER=rasa needs HERALD_RASA_URL")
        if self.rasa_url is not None and not self.rasa_url.startswith(("http://", "https://")):
            raise SettingsError("HERALD_RASA_URL must start with http:// or https://")
        if not 0 < self.rasa_timeout_seconds <= 10:
            raise SettingsError("HERALD_RASA_TIMEOUT_SECONDS must be above 0 and at most 10")
        if not 0 <= self.rasa_confidence_threshold <= 1:
            raise SettingsError("HERALD_RASA_CONFIDENCE_THRESHOLD must be between 0 and 1")
        _at_least_one(
            {
                "HERALD_SUBSCRIPTION_LIMIT_PER_CALLER_HOUR": self.limit_per_caller_hour,
                "HERALD_SUBSCRIPTION_LIMIT_PER_PHONE_DAY": self.limit_per_phone_day,
                "HERALD_SUBSCRIPTION_LIMIT_PER_COUNTRY_HOUR": self.limit_per_country_hour,
            }
        )


class LoggingSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("log_")):
    # Console lines on a terminal, JSON otherwise.
    level: str = "INFO"
    format: LogFormat = "auto"


class ErrorReportingSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("sentry_")):
    """Unhandled errors go to Sentry when a DSN is set."""

    dsn: str | None = None
    environment: str | None = None

    def validate(self) -> None:
        if self.dsn:  # empty means off, as for the provider credentials
            try:
                Dsn(self.dsn)
            except BadDsn as exc:
                raise SettingsError(
                    f"HERALD_SENTRY_DSN is not a Sentry DSN ({exc}); copy it from the "
                    "project's Client Keys page: https://<key>@<host>/<project id>"
                ) from None


class MetricsSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("metrics_")):
    """Who may scrape, and where the worker and the scheduler serve the metrics."""

    token: str | None = None  # when set, /metrics needs "Authorization: Bearer <it>"
    host: str = "127.0.0.1"
    port: int | None = None  # the worker's and the scheduler's; None: no server

    def validate(self) -> None:
        token = self.token
        if token is not None and (
            len(token) < METRICS_TOKEN_MIN_LENGTH or not _TOKEN_CHARACTERS.fullmatch(token)
        ):
            raise SettingsError(
                f"HERALD_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters "
                f"without spaces (letters, digits and -._~+/=), e.g. {GENERATE_HINT}"
            )
        if self.port is not None and not 1 <= self.port <= 65535:
            raise SettingsError("HERALD_METRICS_PORT must be a TCP port, 1-65535")


class FanoutSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("fanout_")):
    """The expansion of topics' fan-outs into notifications."""

    batch: int = 1000  # subscribers per transaction
    parts: int = 4  # slices expanded side by side, on PostgreSQL (SQLite: one)
    lease_seconds: float = 10.0  # a part not advanced for this long is queued again

    def validate(self) -> None:
        _at_least_one({"HERALD_FANOUT_BATCH": self.batch, "HERALD_FANOUT_PARTS": self.parts})
        if self.parts > 64:
            raise SettingsError("HERALD_FANOUT_PARTS must be at most 64")
        if not self.lease_seconds > 0:
            raise SettingsError("HERALD_FANOUT_LEASE_SECONDS must be a positive number")


class MessagingSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("messages_")):
    """User-to-user messaging (seed 001)."""

    default_days: int = 30  # GET /api/messages/{user_name} reaches back this far without ?since=
    edit_window_seconds: int = 900  # a sender may edit a message this long after sending it
    # A message unread this long sends its recipient one notification per conversation
    # per such window (the offline fallback, checked every minute).
    notify_after_seconds: int = 600
    # Sends per user per window (Redis in production, in-process in the embedded default).
    send_rate_limit: int = 60
    send_rate_window_seconds: int = 60
    # Live events are kept this long for a stream's replay after `Last-Event-ID`.
    events_kept_hours: int = 24

    def validate(self) -> None:
        if not 1 <= self.default_days <= 36500:
            raise SettingsError("HERALD_MESSAGES_DEFAULT_DAYS must be between 1 and 36500")
        if not 0 <= self.edit_window_seconds <= 7 * 86400:
            raise SettingsError(
                "HERALD_MESSAGES_EDIT_WINDOW_SECONDS must be between 0 (no edits) and 604800"
            )
        _at_least_one(
            {
                "HERALD_MESSAGES_NOTIFY_AFTER_SECONDS": self.notify_after_seconds,
                "HERALD_MESSAGES_SEND_RATE_LIMIT": self.send_rate_limit,
                "HERALD_MESSAGES_SEND_RATE_WINDOW_SECONDS": self.send_rate_window_seconds,
                "HERALD_MESSAGES_EVENTS_KEPT_HOURS": self.events_kept_hours,
            }
        )


class LeadsSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "landbot_webhook_token": "landbot_webhook_token",
        "welcome_delay_seconds": "lead_welcome_delay_seconds",
    },
):
    """Leads from Landbot: the token its webhooks send, the welcome email's delay."""

    # `Authorization: Token <it>` on POST /webhooks/landbot and POST /api/leads; None:
    # Landbot intake is off (403).
    landbot_webhook_token: str | None = None
    welcome_delay_seconds: float = 60.0  # a new lead's welcome email, after intake

    def validate(self) -> None:
        token = self.landbot_webhook_token
        if token is not None and (len(token) < 16 or not _TOKEN_CHARACTERS.fullmatch(token)):
            raise SettingsError(
                "HERALD_LANDBOT_WEBHOOK_TOKEN must be at least 16 characters of "
                f"A-Z a-z 0-9 - . _ ~ + / =, e.g. {GENERATE_HINT}"
            )
        if not 0 <= self.welcome_delay_seconds <= 7 * 86400:
            raise SettingsError("HERALD_LEAD_WELCOME_DELAY_SECONDS must be between 0 and 604800")


class TicketsSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("ticket_")):
    """Support tickets (issue 16)."""

    # The topics a ticket may have, comma-separated; each has its staff topic
    # `tickets.<topic>` (made self-service when missing), beside `tickets.urgent`.
    topics: str = "sales,support,billing"
    # A customer's reply reopens a solved ticket this long; then it closes by itself.
    reopen_days: int = 7

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.strip() for t in self.topics.split(",") if t.strip()))

    def validate(self) -> None:
        names = self.names()
        if not names:
            raise SettingsError("HERALD_TICKET_TOPICS must name at least one topic")
        for name in names:
            if not re.fullmatch(r"[a-z0-9_-]{1,40}", name) or name == "urgent":
                raise SettingsError(
                    f"HERALD_TICKET_TOPICS: {name!r} must be 1-40 of a-z, 0-9, _ and -, "
                    "and not 'urgent'"
                )
        if not 1 <= self.reopen_days <= 365:
            raise SettingsError("HERALD_TICKET_REOPEN_DAYS must be between 1 and 365")


class LandbotSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("landbot_")):
    """Landbot's API, for texts into a customer's chat (the tickets' replies)."""

    api_token: str | None = None  # unset: customers from Landbot are reached by email only
    api_url: str = "https://api.landbot.io"
    timeout_seconds: float = 10.0

    def validate(self) -> None:
        if not self.api_url.startswith(("http://", "https://")):
            raise SettingsError("HERALD_LANDBOT_API_URL must start with http:// or https://")
        if not self.timeout_seconds > 0:
            raise SettingsError("HERALD_LANDBOT_TIMEOUT_SECONDS must be a positive number")


class HeartbeatSettings(msgspec.Struct, frozen=True, kw_only=True, rename=_read_as("heartbeat_")):
    """The heartbeat file of `herald worker` and `herald scheduler`, for healthchecks."""

    file: str | None = None  # touched from the event loop; None = no heartbeat
    interval_seconds: float = 5.0

    def validate(self) -> None:
        if not self.interval_seconds > 0:
            raise SettingsError("HERALD_HEARTBEAT_INTERVAL_SECONDS must be a positive number")


class ChannelProviders(NamedTuple):
    sms: SmsProvider
    email: EmailProvider


def _group(factory: type[msgspec.Struct]) -> Any:
    return msgspec.field(default_factory=factory)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    mode: ModeSettings = _group(ModeSettings)
    database: DatabaseSettings = _group(DatabaseSettings)
    accounts: AccountsSettings = _group(AccountsSettings)
    api_keys: ApiKeysSettings = _group(ApiKeysSettings)
    http: HttpSettings = _group(HttpSettings)
    delivery: DeliverySettings = _group(DeliverySettings)
    twilio: TwilioSettings = _group(TwilioSettings)
    sendgrid: SendGridSettings = _group(SendGridSettings)
    smtp: SmtpSettings = _group(SmtpSettings)
    phone_lookup: PhoneLookupSettings = _group(PhoneLookupSettings)
    datapoints: DatapointsSettings = _group(DatapointsSettings)
    templates: TemplatesSettings = _group(TemplatesSettings)
    fanouts: FanoutSettings = _group(FanoutSettings)
    subscriptions: SubscriptionsSettings = _group(SubscriptionsSettings)
    messaging: MessagingSettings = _group(MessagingSettings)
    leads: LeadsSettings = _group(LeadsSettings)
    tickets: TicketsSettings = _group(TicketsSettings)
    landbot: LandbotSettings = _group(LandbotSettings)
    logging: LoggingSettings = _group(LoggingSettings)
    error_reporting: ErrorReportingSettings = _group(ErrorReportingSettings)
    metrics: MetricsSettings = _group(MetricsSettings)
    heartbeat: HeartbeatSettings = _group(HeartbeatSettings)

    def groups(self) -> list[msgspec.Struct]:
        return [getattr(self, name) for name in self.__struct_fields__]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls.from_names(
            {
                name.removeprefix(PREFIX).lower(): value
                for name, value in env.items()
                # An empty value means unset, as compose passes `${VAR:-}` through.
                if name.startswith(PREFIX) and value != ""
            }
        )
        settings.validate()
        return settings

    @classmethod
    def from_names(cls, values: Mapping[str, object]) -> Settings:
        """Settings from values by their names (`HERALD_<NAME>` in lower case, without the
        prefix; strings are converted), each put into its group. Not validated."""
        unknown = sorted(set(values) - set(NAMES))
        if unknown:
            raise SettingsError("; ".join(_unknown(name) for name in unknown))
        grouped: dict[str, dict[str, object]] = {}
        for name, value in values.items():
            grouped.setdefault(NAMES[name], {})[name] = value
        groups: dict[str, Any] = {}
        for field in msgspec.structs.fields(cls):
            try:
                groups[field.name] = msgspec.convert(
                    grouped.get(field.name, {}), field.type, strict=False
                )
            except msgspec.ValidationError as exc:
                raise SettingsError(f"invalid setting: {exc} (names are HERALD_<FIELD>)") from exc
        return cls(**groups)

    def validate(self) -> None:
        self.mode.validate()
        if not self.mode.embedded and not self.accounts.jwt_secret:
            raise SettingsError(
                "HERALD_JWT_SECRET is not set. With a broker configured Herald runs in "
                f"production mode and needs a shared secret of at least {MIN_SECRET_LENGTH} "
                f"random characters, e.g. {GENERATE_HINT}."
            )
        for group in (
            self.accounts,
            self.api_keys,
            self.database,
            self.http,
            self.heartbeat,
            self.delivery,
            self.twilio,
            self.sendgrid,
            self.smtp,
            self.phone_lookup,
            self.datapoints,
            self.templates,
            self.fanouts,
            self.subscriptions,
            self.messaging,
            self.leads,
            self.tickets,
            self.landbot,
            self.error_reporting,
            self.metrics,
        ):
            group.validate()
        self.channel_providers()
        if self.phone_lookup.provider == "twilio" and not self.twilio.enabled:
            raise SettingsError(
                "HERALD_PHONE_LOOKUP=twilio needs the Twilio account: set "
                "HERALD_TWILIO_ACCOUNT_SID and HERALD_TWILIO_AUTH_TOKEN (and a sender, "
                "HERALD_TWILIO_FROM_NUMBER or HERALD_TWILIO_MESSAGING_SERVICE_SID), or "
                "HERALD_PHONE_LOOKUP=format to check numbers by their format alone"
            )

    def channel_providers(self) -> ChannelProviders:
        """The provider each channel uses; SettingsError when one cannot be chosen."""
        sms = self.delivery.sms_provider or (
            "twilio" if self.twilio.enabled else self._fallback("SMS")
        )
        if sms == "twilio" and not self.twilio.enabled:
            raise SettingsError(
                "HERALD_SMS_PROVIDER=twilio needs HERALD_TWILIO_ACCOUNT_SID, "
                "HERALD_TWILIO_AUTH_TOKEN and HERALD_TWILIO_FROM_NUMBER (or "
                "HERALD_TWILIO_MESSAGING_SERVICE_SID)"
            )
        email = self.delivery.email_provider or (
            "sendgrid" if self.sendgrid.enabled else self._fallback("email")
        )
        if email == "sendgrid" and not self.sendgrid.enabled:
            raise SettingsError(
                "HERALD_EMAIL_PROVIDER=sendgrid needs HERALD_SENDGRID_API_KEY and "
                "HERALD_SENDGRID_FROM_EMAIL"
            )
        if email == "smtp" and not self.smtp.enabled:
            raise SettingsError(
                "HERALD_EMAIL_PROVIDER=smtp needs HERALD_SMTP_URL and HERALD_SMTP_FROM_EMAIL"
            )
        return ChannelProviders(sms, email)

    def _fallback(self, channel: str) -> Literal["console"]:
        if self.mode.embedded:
            return "console"
        variable, real = (
            ("HERALD_SMS_PROVIDER", "twilio with the HERALD_TWILIO_* settings")
            if channel == "SMS"
            else (
                "HERALD_EMAIL_PROVIDER",
                "sendgrid with the HERALD_SENDGRID_* settings (or smtp with HERALD_SMTP_*)",
            )
        )
        raise SettingsError(
            f"{channel} has no provider. In production mode nothing falls back to the console: "
            f"set {variable}={real}, or {variable}=console to only log the messages, or "
            f"{variable}=none to turn {channel} off."
        )

    @property
    def data_ingest_on(self) -> bool:
        """Periodic ingestion: as set, else on only in the embedded default with the
        simulated source."""
        if self.datapoints.ingest_enabled is not None:
            return self.datapoints.ingest_enabled
        return self.mode.embedded and not self.datapoints.source_url


def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for field in msgspec.structs.fields(Settings):
        for name in field.type.__struct_encode_fields__:
            assert name not in names, f"HERALD_{name.upper()} is read by two groups"
            names[name] = field.name
    return names


# Every setting's name (lower case, without the prefix) and the group it belongs to.
NAMES = _names()
_ALL_LISTED = "docs/operations.md lists them all"


def _unknown(name: str) -> str:
    # Compared without the shared prefix, which would make every name look alike.
    close = difflib.get_close_matches(name, NAMES, n=1, cutoff=0.7)
    hint = f"did you mean {PREFIX}{close[0].upper()}?" if close else _ALL_LISTED
    return f"unknown setting {PREFIX}{name.upper()}: {hint}"
