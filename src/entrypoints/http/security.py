"""Who is calling, and may they: the `principal` dependency, Litestar guards over the
access policy, and the OpenAPI security scheme.

The bearer token's principal is resolved once per request and kept in the connection
scope (where Litestar's `request.user` reads it). A handler that takes `principal` is
for signed-in callers: without a valid token it answers 401. A route that needs a role
says so with a guard, `allowed_by(rule)`, which holds the principal's user to a rule of
the access policy (the rule the use case applies too) before the request's parameters
and body are read: 401, then 403.

Signing in is a dependency rather than a guard of its own because Litestar copies the
route handler for every guard it runs (`authorize_connection`), which cost 4 % of the
instructions of GET /api/data; the role guards are on routes off that path.
"""

from collections.abc import Callable
from typing import Any

from dishka import AsyncContainer
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.openapi.spec import OAuthFlow, OAuthFlows, Reference, SecurityScheme
from litestar.types import Guard

from application.accounts.authenticate import Authenticate, Principal
from application.policy import require_admin
from domain.accounts import User
from domain.errors import AuthenticationFailed

SCHEME = "bearer"
SECURITY: list[dict[str, list[str]]] = [{SCHEME: []}]
SECURITY_COMPONENTS: dict[str, SecurityScheme | Reference] = {
    SCHEME: SecurityScheme(
        type="oauth2",
        description="Log in with username and password; the token goes in `Authorization: Bearer`.",
        flows=OAuthFlows(password=OAuthFlow(token_url="/auth/login", scopes={})),
    )
}

_Connection = ASGIConnection[Any, Any, Any, Any]


async def _principal(connection: _Connection) -> Principal:
    known = connection.scope.get("user")
    if isinstance(known, Principal):
        return known
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "missing bearer token: send 'Authorization: Bearer <access token>'"
        )
    container: AsyncContainer = connection.state.dishka_container
    principal = await (await container.get(Authenticate))(token.strip())
    connection.scope["user"] = principal
    return principal


_OPTIONS = frozenset({"OPTIONS"})


def _public(handler: BaseRouteHandler) -> bool:
    # Litestar gives each path an OPTIONS handler that lists its methods; it inherits the
    # controller's guards, yet says nothing a caller needs to be signed in for.
    return isinstance(handler, HTTPRouteHandler) and handler.http_methods == _OPTIONS


def allowed_by(rule: Callable[[User], None]) -> Guard:
    """Guard: a valid access token (401) whose user passes `rule` (its error otherwise,
    e.g. PermissionDenied: 403)."""

    async def guard(connection: _Connection, handler: BaseRouteHandler) -> None:
        if not _public(handler):
            rule((await _principal(connection)).user)

    return guard


admin_only = allowed_by(require_admin)


async def _current_principal(request: Request[Any, Any, Any]) -> Principal:
    return await _principal(request)  # a role guard's, when the route has one


# Registered once for every route: a handler asks for it as `principal`.
PRINCIPAL = {"principal": Provide(_current_principal)}
