"""Unhandled errors of the API, the worker and the scheduler go to Sentry when
HERALD_SENTRY_DSN is set; without it nothing is initialised.

An event is a log record at ERROR or above (Sentry's logging integration): the API's
"unhandled error" (entrypoints.http.problems), taskiq's "Exception found while executing
function", "dispatcher round failed", uvicorn's errors; and an exception that escapes an
asyncio task (the asyncio integration). The Litestar integration adds what the request
was (method, URL, headers); its own after-exception events are dropped, since Litestar
calls that hook for every exception, also those problems.py answers with a 4xx.

Events carry the request id or the task id and name as tags. They never carry request
bodies, cookies, local variables, or the Authorization, Cookie and X-Api-Key headers; any
value under a key that names a secret, and anything in a string that looks like a bearer
or basic credential, a JWT, a SendGrid key, a secret=value pair, or the user:password of a
URL (DSNs and database or broker URLs) is replaced by "[Filtered]".
"""

import logging
import re
from typing import Any

import sentry_sdk
from litestar.routes.http import HTTPRoute
from sentry_sdk.integrations.asyncio import enable_asyncio_integration
from sentry_sdk.integrations.litestar import LitestarIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.types import Event, Hint

from domain.errors import DomainError
from entrypoints.logging import request_id_var
from entrypoints.settings import ErrorReportingSettings
from entrypoints.tasks.log_context import running_task

FILTERED = "[Filtered]"

# Keys whose values are dropped wherever they appear, on top of Sentry's own list
# (password, secret, token, auth, api_key, cookie, authorization, session, ...).
_SECRET_KEYS = [
    "access_token",
    "refresh_token",
    "jwt_secret",
    "mfa_key",
    "challenge",  # a two-factor challenge stands for a right password
    "recovery_codes",
    "auth_token",
    "dsn",
    "sentry_dsn",
    "database_url",
    "broker_url",
    "redis_url",
    "sendgrid_api_key",
    "twilio_auth_token",
    "x_twilio_signature",
    "x_twilio_email_event_webhook_signature",
]

_SECRET_TEXT = [
    # Authorization header values quoted in messages.
    (re.compile(r"\b(Bearer|Basic)\s+[\w.~+/=-]+", re.IGNORECASE), rf"\1 {FILTERED}"),
    # JWTs: a base64url JSON header, payload and signature.
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*"), FILTERED),
    (re.compile(r"\bSG\.[\w-]{8,}\.[\w-]{8,}"), FILTERED),  # SendGrid API keys
    (re.compile(r"\bhk_[\w-]{8,}"), FILTERED),  # Herald's own API keys
    # The credentials of a URL: a Sentry DSN's key, a database or Redis password.
    (re.compile(r"\b([a-z][a-z0-9+.-]*://)[^\s/@]+@", re.IGNORECASE), rf"\1{FILTERED}@"),
    # password=..., "refresh_token": "...", HERALD_JWT_SECRET=... in text.
    (
        re.compile(
            r"""\b([\w-]*(?:password|passwd|secret|token|api_?key|dsn)["']?\s*[=:]\s*["']?)"""
            r"""[^\s"'&,;]+""",
            re.IGNORECASE,
        ),
        rf"\1{FILTERED}",
    ),
]


def start_error_reporting(settings: ErrorReportingSettings) -> bool:
    """Initialise Sentry if a DSN is set (call before the Litestar app is built: the
    integration hooks into its constructor); returns whether it did."""
    if not settings.dsn:
        return False
    handle = HTTPRoute.handle
    sentry_sdk.init(
        dsn=settings.dsn,
        environment=settings.environment,
        integrations=[
            LitestarIntegration(),
            # Warnings become breadcrumbs of a later event; INFO lines (one per request)
            # would cost every request and carry its path.
            LoggingIntegration(level=logging.WARNING, event_level=logging.ERROR),
        ],
        # No SQLAlchemy, Redis or HTTP-client integrations: they would add work to every
        # query and call, and their breadcrumbs carry keys and statements.
        auto_enabling_integrations=False,
        auto_session_tracking=False,  # release health: per-request work nobody reads here
        # send_default_pii stays off, its default (this SDK deprecates setting it in favour of
        # data_collection, which would also switch the event scrubber off).
        max_request_body_size="never",
        include_local_variables=False,  # locals hold settings, passwords being checked
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + _SECRET_KEYS, recursive=True),
        before_send=_before_send,
        traces_sample_rate=None,  # errors only: no tracing
    )
    # The integration also wraps every route to parse the request body and attach it to
    # events, whatever max_request_body_size says; that parse also answers a malformed
    # JSON body with a 500. Undone: events carry no body, and bad bodies stay a 400.
    HTTPRoute.handle = handle  # type: ignore[method-assign]
    return True


def watch_event_loop() -> None:
    """Report exceptions that escape asyncio tasks of the running loop; each task then
    also gets its own Sentry scope. Call it from inside the loop; a no-op without a DSN."""
    enable_asyncio_integration(task_spans=False)


def _before_send(event: Event, hint: Hint) -> Event | None:
    if _from_litestar_hook(event):
        return None  # the "unhandled error" log record that follows is the event
    if isinstance(hint.get("exc_info", (None, None))[1], DomainError):
        # Raised on purpose and answered (a 4xx, a report): the asyncio integration sees
        # it leave a task even when the task's caller handles it.
        return None
    tags = event.setdefault("tags", {})
    if (task := running_task.get()) is not None:
        tags["task_id"] = task.id
        tags["task_name"] = task.name
    elif (request_id := request_id_var.get()) is not None:
        tags["request_id"] = request_id
    scrubbed: Event = _scrub(event)
    return scrubbed


def _from_litestar_hook(event: Event) -> bool:
    values = event.get("exception", {}).get("values", [])
    return any(value.get("mechanism", {}).get("type") == "litestar" for value in values)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        for pattern, replacement in _SECRET_TEXT:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value
