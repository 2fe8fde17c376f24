"""`GET /metrics` of `herald worker` and `herald scheduler`, on HERALD_METRICS_HOST and
HERALD_METRICS_PORT (no port, no server). An aiohttp server in the process's own event
loop: aiohttp is already what the Twilio adapter talks through, and it installs no signal
handlers of its own (uvicorn would take over the process's SIGTERM)."""

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web

from entrypoints.scrape import UNAUTHORIZED_DETAIL, WWW_AUTHENTICATE, Scrape
from entrypoints.settings import MetricsSettings, Settings

log = logging.getLogger("herald.metrics")
PROBLEM_JSON = "application/problem+json"


def warn_when_open(settings: Settings, command: str) -> None:
    """Production mode without a metrics token: say once, at start, that anyone who can
    reach the metrics may read them (the embedded default listens on 127.0.0.1)."""
    serves_metrics = command == "serve" or (
        command in ("worker", "scheduler") and settings.metrics.port is not None
    )
    if settings.mode.embedded or settings.metrics.token is not None or not serves_metrics:
        return
    log.warning(
        "metrics are unauthenticated: anyone who can reach /metrics may read them; "
        "set HERALD_METRICS_TOKEN to require 'Authorization: Bearer <token>'"
    )


def problem(
    request: web.Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    return web.Response(
        status=status, text=json.dumps(body), content_type=PROBLEM_JSON, headers=headers
    )


def make_app(scrape: Scrape) -> web.Application:
    async def metrics(request: web.Request) -> web.Response:
        if not scrape.allows(request.headers.get("Authorization")):
            return problem(
                request, 401, UNAUTHORIZED_DETAIL, {"WWW-Authenticate": WWW_AUTHENTICATE}
            )
        body, content_type = scrape.render(request.headers.get("Accept"))
        return web.Response(body=body, headers={"Content-Type": content_type})

    @web.middleware
    async def problems(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:  # unknown path, wrong method
            if exc.status < 400:
                raise
            return problem(request, exc.status, "this server answers GET /metrics only")

    app = web.Application(middlewares=[problems])
    app.router.add_get("/metrics", metrics)
    return app


async def serve_metrics(settings: MetricsSettings, scrape: Scrape) -> Callable[[], Awaitable[None]]:
    """Start serving the metrics (at once failing when the port is taken); returns what
    stops it. No port, no server."""
    if settings.port is None:
        return _nothing
    runner = web.AppRunner(make_app(scrape), access_log=None, handle_signals=False)
    await runner.setup()
    host, port = settings.host, settings.port
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SystemExit(f"herald: cannot serve metrics on {host}:{port}: {exc.strerror}") from None
    log.info("metrics on http://%s:%s/metrics", host, port)
    return runner.cleanup


async def _nothing() -> None:
    pass
