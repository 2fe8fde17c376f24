"""The Litestar application: routes, error mapping, docs, metrics, request context."""

from dishka import AsyncContainer
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components

from entrypoints.http.auth import AuthController, me
from entrypoints.http.datapoints import DataPointController
from entrypoints.http.dev_outbox import dev_outbox
from entrypoints.http.health import HealthController
from entrypoints.http.metrics import metrics
from entrypoints.http.notifications import NotificationController
from entrypoints.http.preferences import PreferencesController
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.request_context import request_context_middleware
from entrypoints.http.security import SECURITY_COMPONENTS
from entrypoints.http.webhooks import WebhookController
from entrypoints.settings import Settings


def create_app(settings: Settings, container: AsyncContainer) -> Litestar:
    app = Litestar(
        route_handlers=[
            DishkaRouter(
                "",
                route_handlers=[
                    AuthController,
                    me,
                    HealthController,
                    PreferencesController,
                    NotificationController,
                    dev_outbox,
                    WebhookController,
                    DataPointController,
                    metrics,
                ],
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=None,  # entrypoints.logging configures JSON logs for the process
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Herald",
            version="0.1.0",
            description=(
                "Notifications, messaging and data points. Errors are RFC 9457 problem details."
            ),
            path="/docs",
            render_plugins=[SwaggerRenderPlugin(path="/")],
            components=Components(security_schemes=SECURITY_COMPONENTS),
        ),
        debug=False,
    )
    setup_dishka(container, app)
    # Outermost, so that every answer (unmatched routes too) carries the request id and
    # is counted. No route middleware: Litestar then adds no exception layer per route.
    app.asgi_handler = request_context_middleware(app.asgi_handler)
    return app
