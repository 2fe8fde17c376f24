"""Who is calling, and may they: the caller dependencies, Litestar guards over the
access policy, and the OpenAPI security schemes.

A caller is a user, by their bearer access token, or a service, by an API key
(`Authorization: Bearer hk_...` or `X-API-Key: hk_...`; never in the query string, where
URLs carry it into logs). It is resolved once per request and kept in the connection
scope (where Litestar's `request.user` reads it). A handler that takes `principal` is for
signed-in users: without valid credentials it answers 401, to an API key 403; one that
takes `caller` serves keys too. A route that needs a role or a scope says so with a
guard, `allowed_by(rule)` for rules on users or `allowed_to(rule)` for rules on any
caller, which holds the caller to a rule of the access policy (the rule the use case
applies too) before the request's parameters and body are read: 401, then 403.

Signing in is a dependency rather than a guard of its own because Litestar copies the
route handler for every guard it runs (`authorize_connection`), which cost 4 % of the
instructions of GET /api/data; the role guards are on routes off that path.
"""

from collections.abc import Callable
from typing import Any, TypeAlias

from dishka import AsyncContainer
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.openapi.spec import OAuthFlow, OAuthFlows, Reference, SecurityScheme
from litestar.params import SkipValidation
from litestar.types import Guard

from application.accounts.authenticate import Authenticate, Principal
from application.api_keys.authenticate_key import AuthenticateKey
from application.policy import Caller, require_admin, require_user
from domain.accounts import User
from domain.api_keys import SECRET_PREFIX, ServicePrincipal
from domain.errors import AuthenticationFailed

SCHEME = "bearer"
KEY_SCHEME = "api_key"
SECURITY: list[dict[str, list[str]]] = [{SCHEME: []}]
# Routes that serve API keys as well as users.
SECURITY_WITH_KEYS: list[dict[str, list[str]]] = [{SCHEME: []}, {KEY_SCHEME: []}]
SECURITY_COMPONENTS: dict[str, SecurityScheme | Reference] = {
    SCHEME: SecurityScheme(
        type="oauth2",
        description="Log in with username and password; the token goes in `Authorization: Bearer`.",
        flows=OAuthFlows(password=OAuthFlow(token_url="/auth/login", scopes={})),
    ),
    KEY_SCHEME: SecurityScheme(
        type="apiKey",
        name="X-API-Key",
        security_scheme_in="header",
        description="An API key (`hk_...`) from `POST /admin/api-keys`; "
        "`Authorization: Bearer hk_...` works too. Never in the query string.",
    ),
}

_Connection = ASGIConnection[Any, Any, Any, Any]


KEY_IN_QUERY = (
    "API keys are refused in the query string, where URLs carry them into logs: "
    "send it as 'X-API-Key: hk_...' (and revoke a key that travelled in a URL)"
)
_KEY_PARAMETERS = frozenset({"api_key", "apikey", "key"})


def _refuse_keys_in_query(connection: _Connection) -> None:
    raw: bytes = connection.scope.get("query_string", b"")
    # A plain search first: the query is parsed only when it might hold a key.
    if raw and (b"key" in (lowered := raw.lower()) or b"hk" in lowered):
        for name, value in connection.query_params.items():
            if name.lower() in _KEY_PARAMETERS or value.strip().startswith(SECRET_PREFIX):
                raise AuthenticationFailed(KEY_IN_QUERY)


async def _resolve(connection: _Connection) -> Principal | ServicePrincipal:
    known = connection.scope.get("user")
    if isinstance(known, Principal | ServicePrincipal):
        return known
    _refuse_keys_in_query(connection)
    container: AsyncContainer = connection.state.dishka_container
    resolved: Principal | ServicePrincipal
    key = connection.headers.get("x-api-key")
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if key is not None:
        if scheme:
            raise AuthenticationFailed("send either an API key or an Authorization header")
        resolved = await (await container.get(AuthenticateKey))(key.strip())
    elif scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed(
            "missing bearer token: send 'Authorization: Bearer <access token>'"
        )
    elif token.startswith(SECRET_PREFIX):
        resolved = await (await container.get(AuthenticateKey))(token)
    else:
        resolved = await (await container.get(Authenticate))(token)
    connection.scope["user"] = resolved
    return resolved


def _caller_of(resolved: Principal | ServicePrincipal) -> Caller:
    return resolved.user if isinstance(resolved, Principal) else resolved


async def _principal(connection: _Connection) -> Principal:
    """The signed-in user's principal; PermissionDenied for an API key."""
    resolved = await _resolve(connection)
    require_user(_caller_of(resolved))
    assert isinstance(resolved, Principal), "require_user refuses every other caller"
    return resolved


_OPTIONS = frozenset({"OPTIONS"})


def _public(handler: BaseRouteHandler) -> bool:
    # Litestar gives each path an OPTIONS handler that lists its methods; it inherits the
    # controller's guards, yet says nothing a caller needs to be signed in for.
    return isinstance(handler, HTTPRouteHandler) and handler.http_methods == _OPTIONS


def allowed_by(rule: Callable[[User], None]) -> Guard:
    """Guard: a valid access token (401; an API key: 403) whose user passes `rule` (its
    error otherwise, e.g. PermissionDenied: 403)."""

    async def guard(connection: _Connection, handler: BaseRouteHandler) -> None:
        if not _public(handler):
            rule((await _principal(connection)).user)

    return guard


def allowed_to(rule: Callable[[Caller], object]) -> Guard:
    """Guard: valid credentials of a user or an API key (401) that pass `rule` (its
    error otherwise, e.g. PermissionDenied: 403)."""

    async def guard(connection: _Connection, handler: BaseRouteHandler) -> None:
        if not _public(handler):
            rule(_caller_of(await _resolve(connection)))

    return guard


admin_only = allowed_by(require_admin)


async def _current_principal(request: Request[Any, Any, Any]) -> Principal:
    return await _principal(request)  # a role guard's, when the route has one


async def _current_caller(request: Request[Any, Any, Any]) -> Caller:
    return _caller_of(await _resolve(request))


# How a handler asks for `caller`: Litestar's signature model cannot check a union of
# dataclasses, and there is nothing to check in what the dependency itself made.
CallerDependency: TypeAlias = NamedDependency[SkipValidation[Caller]]

# Registered once for every route: a handler asks for `principal` (users only) or
# `caller` (users and API keys).
PRINCIPAL = {
    "principal": Provide(_current_principal),
    "caller": Provide(_current_caller),
}
