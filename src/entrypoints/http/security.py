"""Who is calling, and may they: Litestar guards over the access policy, the
`principal` dependency, and the OpenAPI security scheme.

`authenticated` resolves the bearer token's principal once per request and keeps it in
the connection scope (where Litestar's `request.user` reads it); `allowed_by(rule)`
also holds the principal's user to a rule of the access policy, the same rule the use
case applies. Guards run before the request's parameters and body are read: a caller
who may not use a route learns nothing more about it.
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


async def authenticated(connection: _Connection, handler: BaseRouteHandler) -> None:
    """Guard: a valid access token (401 otherwise)."""
    if not _public(handler):
        await _principal(connection)


def allowed_by(rule: Callable[[User], None]) -> Guard:
    """Guard: a valid access token (401) whose user passes `rule` (its error otherwise,
    e.g. PermissionDenied: 403)."""

    async def guard(connection: _Connection, handler: BaseRouteHandler) -> None:
        if not _public(handler):
            rule((await _principal(connection)).user)

    return guard


admin_only = allowed_by(require_admin)


async def _current_principal(request: Request[Any, Any, Any]) -> Principal:
    return await _principal(request)  # the guard's, unless a route left out the guard


# Registered once for every route: a handler asks for it as `principal`.
PRINCIPAL = {"principal": Provide(_current_principal)}
