"""Bearer authentication as Litestar dependencies, and the OpenAPI security scheme."""

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request
from litestar.di import NamedDependency
from litestar.openapi.spec import OAuthFlow, OAuthFlows, Reference, SecurityScheme

from application.accounts.authenticate import Authenticate, Principal
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


@inject
async def current_principal(
    request: Request[Any, Any, Any], authenticate: FromDishka[Authenticate]
) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "missing bearer token: send 'Authorization: Bearer <access token>'"
        )
    return await authenticate(token.strip())


async def current_admin(principal: NamedDependency[Principal]) -> Principal:
    principal.require_admin()
    return principal
