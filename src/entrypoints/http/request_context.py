"""Per-request id (taken from X-Request-ID when sane, else new), one access log line and
the request metrics: one wrapper, since the log line and the metrics need the same status
and duration."""

import logging
import random
import re
import time

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http import request_metrics
from entrypoints.logging import request_id_var

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
log = logging.getLogger("herald.access")


def _new_request_id() -> str:
    # An id to correlate log lines, not a secret: 128 bits from the process's Mersenne
    # Twister (seeded from the OS in each process, and again after a fork) instead of
    # uuid4's getrandom system call per request.
    return f"{random.getrandbits(128):032x}"


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.fullmatch(incoming) else _new_request_id()
        token = request_id_var.set(request_id)
        request_metrics.IN_PROGRESS.inc()
        started = time.perf_counter()
        status = 500  # what the server answers if the app fails before it starts a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Nothing else sets this header, so it is appended, not replaced.
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            request_metrics.IN_PROGRESS.dec()
            # The router has put the matched route's template into the scope by now.
            route = scope.get("path_template", request_metrics.UNMATCHED)
            request_metrics.record(scope["method"], route, status, seconds)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )
            request_id_var.reset(token)

    return middleware
