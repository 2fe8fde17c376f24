"""/auth/* and /me: signup, login (JSON or OAuth2 form), refresh, logout, current user."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIType, Reference, Schema
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from application.accounts.authenticate import Principal
from application.accounts.log_in import LOGIN_FIELD_MAX, LogIn, LogInCommand
from application.accounts.log_out import LogOut
from application.accounts.refresh import REFRESH_TOKEN_MAX, RefreshTokens
from application.accounts.sign_up import SignUp, SignUpCommand
from domain.accounts import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_MAX,
    USERNAME_MIN,
    Role,
    User,
)
from entrypoints.http.bodies import (
    FORM,
    JSON,
    convert,
    decode_json,
    form_fields,
    is_json,
    media_type,
    unsupported,
)
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    EXAMPLE_USER_ID,
    NO_NUL,
    body_operation,
    documented,
    problem_responses,
    text,
)
from entrypoints.http.security import SECURITY


class NewAccount(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[
        str,
        documented(
            "ann.lee",
            pattern=f"^\\s*[A-Za-z0-9_.-]{{{USERNAME_MIN},{USERNAME_MAX}}}\\s*$",
            description="case-folded: `Ann` and `ann` are one account",
        ),
    ]
    password: Annotated[
        str, text("correct horse battery", PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH)
    ]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, text("ann.lee", LOGIN_FIELD_MAX, 1)]
    password: Annotated[str, text("correct horse battery", LOGIN_FIELD_MAX, 1)]


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Annotated[
        str, text("kq3VtY0d3yP2pQ9mZC4v1r8sLwN6bXe7uJhT5aKfGgQ", REFRESH_TOKEN_MAX, 1)
    ]


_UserId = Annotated[UUID, documented(EXAMPLE_USER_ID)]
_Username = Annotated[str, documented("ann.lee")]
_Time = Annotated[datetime, documented(EXAMPLE_TIME)]


class UserOut(msgspec.Struct):
    id: _UserId
    username: _Username
    role: Role

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls(user.id, user.username.value, user.role)


class TokenOut(msgspec.Struct):
    access_token: Annotated[str, documented("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIi...")]
    refresh_token: Annotated[str, documented("kq3VtY0d3yP2pQ9mZC4v1r8sLwN6bXe7uJhT5aKfGgQ")]
    token_type: Literal["bearer"]
    expires_in: Annotated[int, documented(900, description="seconds the access token lives")]


class ClaimsOut(msgspec.Struct):
    sub: _UserId
    role: Role
    sid: Annotated[UUID, documented(EXAMPLE_ID)]
    jti: Annotated[str, documented("01a2005d-b471-7998-9df8-fdd66e61611a")]
    iss: Annotated[str, documented("herald")]
    aud: Annotated[str, documented("herald-api")]
    iat: _Time
    exp: _Time


class MeOut(msgspec.Struct):
    id: _UserId
    username: _Username
    role: Role
    created_at: _Time
    claims: ClaimsOut


def _me(principal: Principal) -> MeOut:
    user, claims = principal.user, principal.claims
    return MeOut(
        id=user.id,
        username=user.username.value,
        role=user.role,
        created_at=user.created_at,
        claims=ClaimsOut(
            sub=claims.subject,
            role=claims.role,
            sid=claims.session_id,
            jti=claims.token_id,
            iss=claims.issuer,
            aud=claims.audience,
            iat=claims.issued_at,
            exp=claims.expires_at,
        ),
    )


def _login_field(example: str) -> Schema:
    return Schema(
        type=OpenAPIType.STRING,
        min_length=1,
        max_length=LOGIN_FIELD_MAX,
        pattern=NO_NUL,
        examples=[example],
    )


_LOGIN_FIELDS: dict[str, Schema | Reference] = {
    "username": _login_field("ann.lee"),
    "password": _login_field("correct horse battery"),
}
_LOGIN_EXAMPLE = {"username": "ann.lee", "password": "correct horse battery"}
# JSON or the OAuth2 password form (what the /docs Authorize button sends, with
# `grant_type` and `scope`, which are ignored).
_LoginOperation = body_operation(
    {
        JSON: Schema(
            type=OpenAPIType.OBJECT,
            properties=_LOGIN_FIELDS,
            required=["username", "password"],
            additional_properties=False,
            examples=[_LOGIN_EXAMPLE],
        ),
        FORM: Schema(
            type=OpenAPIType.OBJECT,
            properties={
                **_LOGIN_FIELDS,
                "grant_type": Schema(type=OpenAPIType.STRING, enum=["password"]),
                "scope": Schema(type=OpenAPIType.STRING, max_length=LOGIN_FIELD_MAX),
            },
            required=["username", "password"],
            examples=[_LOGIN_EXAMPLE],
        ),
    }
)


async def _read_credentials(request: Request[Any, Any, Any]) -> Credentials:
    """The same fields and bounds from a JSON body or an OAuth2 password form."""
    media = media_type(request)
    if media == FORM:
        return convert(await form_fields(request, ("username", "password")), Credentials)
    if not is_json(media):
        raise unsupported(JSON, FORM)
    return decode_json(await request.body(), Credentials)


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post(
        "/signup",
        summary="Create an account",
        responses=problem_responses(409, 413, 415, 422),
    )
    async def signup(self, data: JSONBody[NewAccount], sign_up: FromDishka[SignUp]) -> UserOut:
        return UserOut.of(await sign_up(SignUpCommand(data.username, data.password)))

    @post(
        "/login",
        summary="Log in with username and password (JSON or OAuth2 password form)",
        status_code=HTTP_200_OK,
        operation_class=_LoginOperation,
        responses=problem_responses(401, 413, 415, 422, 429),
    )
    async def login(self, request: Request[Any, Any, Any], log_in: FromDishka[LogIn]) -> TokenOut:
        creds = await _read_credentials(request)
        client = request.client.host if request.client else "unknown"
        pair = await log_in(LogInCommand(creds.username, creds.password, client))
        return TokenOut(pair.access_token, pair.refresh_token, "bearer", pair.expires_in)

    @post(
        "/refresh",
        summary="Rotate a refresh token; reusing a rotated one revokes its session",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 413, 415, 422),
    )
    async def refresh(
        self, data: JSONBody[RefreshBody], refresh: FromDishka[RefreshTokens]
    ) -> TokenOut:
        pair = await refresh(data.refresh_token)
        return TokenOut(pair.access_token, pair.refresh_token, "bearer", pair.expires_in)

    @post(
        "/logout",
        summary="End the session of this access token (its refresh token too)",
        status_code=HTTP_204_NO_CONTENT,
        security=SECURITY,
        responses=problem_responses(401),
    )
    async def logout(
        self, principal: NamedDependency[Principal], log_out: FromDishka[LogOut]
    ) -> None:
        await log_out(principal.claims.session_id)

    @get(
        "/me",
        summary="The current user and the claims of the access token",
        security=SECURITY,
        responses=problem_responses(401),
    )
    async def auth_me(self, principal: NamedDependency[Principal]) -> MeOut:
        return _me(principal)


@get(
    "/me",
    tags=["auth"],
    summary="The current user and the claims of the access token (seed 000 path)",
    security=SECURITY,
    responses=problem_responses(401),
)
async def me(principal: NamedDependency[Principal]) -> MeOut:
    return _me(principal)
