"""The one place where errors become HTTP answers: RFC 9457 problem details.

No stack trace, SQL or secret reaches a response; unexpected errors are logged with
their traceback and answered with a generic 500 that carries the request id.
"""

import logging
import re
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from adapters.availability import unavailable_reason
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unreadable,
    UpstreamUnavailable,
)
from entrypoints.logging import request_id_var

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("herald.http")

_STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    RateLimited: 429,
    UpstreamUnavailable: 502,
    Unreadable: 400,
}


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    if (request_id := request_id_var.get()) is not None:
        body["request_id"] = request_id
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status = next((code for kind, code in _STATUS_BY_ERROR.items() if isinstance(exc, kind)), 400)
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = dict(exc.problem_members())
    if isinstance(exc, InvalidInput):
        extensions["errors"] = [{"field": e.field, "message": e.message} for e in exc.errors]
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if isinstance(exc, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="herald"'
    return problem(request, status, exc.message, headers=headers, **extensions)


def validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {"field": _field_path(item), "message": _message(str(item.get("message", "is invalid")))}
        for item in items
        if isinstance(item, dict)
    ]
    if not errors:  # not a field problem: the body could not be read at all
        return problem(request, 400, _plain_detail(exc.detail))
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(request, 422, detail, errors=errors)


_NAMED_FIELD = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")


def _field_path(item: dict[str, Any]) -> str:
    """The full path (`email.subject`, `items[3].phone`) of one msgspec/Litestar
    validation error. msgspec ends its message with the path of the object at fault;
    Litestar cuts that off and puts the path in `key` instead (`data` for the body
    itself); a missing or unknown field is named in the message, under that path."""
    message = str(item.get("message", ""))
    if "at `$." in message:
        path = message.rsplit("at `$.", 1)[1].rstrip("`")
    else:
        key = item.get("key")
        path = str(key) if key and key != "data" else ""
    if named := _NAMED_FIELD.search(message):
        return f"{path}.{named.group(1)}" if path else named.group(1)
    return path or "body"


def shape_error(message: str) -> tuple[str, str]:
    """The field and the words of one msgspec validation message, as a problem names
    them: for reports that hold several, such as a bulk request's per-entry results."""
    return _field_path({"message": message}), _message(message)


def _message(raw: str) -> str:
    """msgspec's message in words, without the path (the field says it)."""
    if raw.startswith("Object missing required field"):
        return "is required"
    if raw.startswith("Object contains unknown field"):
        return "is not a field of this body"
    return raw.split(" - at `$", 1)[0]


def _plain_detail(detail: str) -> str:
    return (
        detail if detail and "Validation failed" not in detail else "the request body is malformed"
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    detail = exc.detail if exc.detail and exc.detail != HTTPStatus(exc.status_code).phrase else ""
    return problem(
        request,
        exc.status_code,
        detail or _DEFAULT_DETAIL.get(exc.status_code, HTTPStatus(exc.status_code).phrase),
        headers=exc.headers,
    )


RETRY_AFTER_SECONDS = 5  # what a 503 asks clients to wait


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if reason := unavailable_reason(exc):
        log.warning("backing service unavailable: %s", reason, extra={"error": repr(exc)[:300]})
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return problem(request, 503, reason, headers=headers)
    log.error("unhandled error", exc_info=exc)
    return problem(request, 500, "an unexpected error occurred; it has been logged")


_DEFAULT_DETAIL = {
    404: "no such resource",
    405: "method not allowed on this resource",
    413: "the request body is too large",
    415: "unsupported media type",
}

EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
