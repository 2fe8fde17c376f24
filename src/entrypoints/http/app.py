"""The Litestar application: routes, error mapping, docs, metrics, request context."""

import msgspec
from dishka import AsyncContainer
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, OpenAPI, OpenAPIType, Schema
from litestar.routes import HTTPRoute

from entrypoints.http.accounts import AuthController, MyMfaController, me
from entrypoints.http.api_keys import ApiKeyController
from entrypoints.http.bodies import HeraldRequest
from entrypoints.http.datapoints import DataPointController
from entrypoints.http.dev_outbox import dev_outbox
from entrypoints.http.dev_phone import DEV_PHONE_ROUTES
from entrypoints.http.docs_ui import OfflineSwaggerUI, docs_assets_router
from entrypoints.http.fanouts import FanoutController, TopicNotificationController
from entrypoints.http.health import HealthController
from entrypoints.http.leads import LEAD_ROUTES
from entrypoints.http.messaging import (
    BlockController,
    ContactController,
    ConversationController,
    MessageController,
    UserDirectoryController,
    stream,
    update_me,
)
from entrypoints.http.metrics import metrics
from entrypoints.http.notifications import (
    NotificationActivityController,
    NotificationController,
    sendgrid_events,
    twilio_status,
)
from entrypoints.http.preferences import PreferencesController
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.recipients import RecipientController
from entrypoints.http.request_context import request_context_middleware
from entrypoints.http.schemas import NO_NUL
from entrypoints.http.security import PRINCIPAL, SECURITY_COMPONENTS
from entrypoints.http.subscriptions import SubscriptionController, twilio_inbound
from entrypoints.http.templates import TemplateController
from entrypoints.http.tickets import TicketController
from entrypoints.http.topics import MyTopicController, TopicController
from entrypoints.http.users import AdminUserController, change_my_password
from entrypoints.settings import Settings


def create_app(settings: Settings, container: AsyncContainer) -> Litestar:
    app = Litestar(
        route_handlers=[
            DishkaRouter(
                "",
                dependencies=PRINCIPAL,
                route_handlers=[
                    AuthController,
                    me,
                    MyMfaController,
                    AdminUserController,
                    change_my_password,
                    ApiKeyController,
                    HealthController,
                    PreferencesController,
                    RecipientController,
                    NotificationController,
                    NotificationActivityController,
                    dev_outbox,
                    *DEV_PHONE_ROUTES,
                    twilio_status,
                    sendgrid_events,
                    DataPointController,
                    TemplateController,
                    TopicController,
                    MyTopicController,
                    TopicNotificationController,
                    FanoutController,
                    SubscriptionController,
                    twilio_inbound,
                    update_me,
                    UserDirectoryController,
                    MessageController,
                    ConversationController,
                    BlockController,
                    ContactController,
                    TicketController,
                    stream,
                    *LEAD_ROUTES,
                    metrics,
                ],
            ),
            docs_assets_router(),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=HeraldRequest,
        logging_config=None,  # entrypoints.logging configures JSON logs for the process
        request_max_body_size=settings.http.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Herald",
            version="0.1.0",
            description=(
                "Notifications, messaging and data points. Errors are RFC 9457 problem details."
            ),
            path="/docs",
            render_plugins=[OfflineSwaggerUI()],
            components=Components(security_schemes=SECURITY_COMPONENTS),
        ),
        debug=False,
    )
    setup_dishka(container, app)
    _answer_options_with_every_method(app)
    # Built on first use (the docs, /schema): building it costs as much as the rest of
    # the app, and most processes and tests never ask for it.
    app.plugins.get(OpenAPIPlugin).__class__ = _HeraldOpenAPIPlugin
    # Outermost, so that every answer (unmatched routes too) carries the request id and
    # is counted. No route middleware: Litestar then adds no exception layer per route.
    app.asgi_handler = request_context_middleware(app.asgi_handler)
    return app


def _answer_options_with_every_method(app: Litestar) -> None:
    """Litestar 2 answers OPTIONS on a path with the methods of the handlers registered
    there first: its OPTIONS handler reads the methods of the route object that existed
    then, which a second registration on the path replaced (litestar#4169, fixed in 3).
    Give that stale route object the path's methods."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.http_methods == {"OPTIONS"} and handler.fn.__closure__:
                for cell in handler.fn.__closure__:
                    if isinstance(cell.cell_contents, HTTPRoute):
                        cell.cell_contents.methods = route.methods


class _HeraldOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin (which Litestar makes itself, hence the class swap) whose
    schema, when built, is mended by `_document_closed_bodies`."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        openapi = super()._build_openapi()
        _document_closed_bodies(openapi)
        return openapi


def _document_closed_bodies(openapi: OpenAPI) -> None:
    """A body struct that refuses unknown fields says so in the schema (`additionalProperties:
    false`); Litestar 2 leaves it out, so clients were told extras would be taken."""
    names: dict[bool, set[str]] = {True: set(), False: set()}
    for struct in _subclasses(msgspec.Struct):
        names[struct.__struct_config__.forbid_unknown_fields] |= _component_names(struct)
    closed = names[True] - names[False]
    for name, schema in (openapi.components.schemas or {}).items():
        if name in closed:
            schema.additional_properties = False
        _no_nul_in_text_items(schema)


def _component_names(struct: type[msgspec.Struct]) -> set[str]:
    """The names Litestar may give the struct's schema: its own, or, when two structs
    share it, the shortest unique tail of its module path before it
    (`messaging_MessageIn`)."""
    parts = struct.__module__.split(".")
    return {"_".join([*parts[i:], struct.__name__]) for i in range(len(parts) + 1)}


def _no_nul_in_text_items(schema: Schema) -> None:
    """Every text of a body refuses NUL (`http/bodies.py`), list items too; Litestar 2
    states no rules of a list's items, so say that one for lists of text."""
    for field in (schema.properties or {}).values():
        items = field.items if isinstance(field, Schema) else None
        if isinstance(items, Schema) and items.type == OpenAPIType.STRING and not items.pattern:
            items.pattern = NO_NUL


def _subclasses(cls: type[msgspec.Struct]) -> list[type[msgspec.Struct]]:
    direct = cls.__subclasses__()
    return direct + [deeper for sub in direct for deeper in _subclasses(sub)]
