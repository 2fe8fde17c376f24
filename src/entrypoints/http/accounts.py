"""/auth/* and /me: signup, login (JSON or OAuth2 form), refresh, logout, current user, and
two-factor sign-in (/me/mfa, /auth/mfa)."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIType, Reference, Schema
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from application.accounts.authenticate import Principal
from application.accounts.complete_mfa_login import CompleteMfaLogin, CompleteMfaLoginCommand
from application.accounts.confirm_mfa import ConfirmMfa, ConfirmMfaCommand
from application.accounts.disable_mfa import DisableMfa, DisableMfaCommand
from application.accounts.get_mfa_status import GetMfaStatus
from application.accounts.log_in import LOGIN_FIELD_MAX, LogIn, LogInCommand
from application.accounts.log_out import LogOut
from application.accounts.mfa import CHALLENGE_MAX, MfaRequired
from application.accounts.refresh import REFRESH_TOKEN_MAX, RefreshTokens
from application.accounts.sign_up import SignUp, SignUpCommand
from application.accounts.start_mfa import MfaEnrolment, StartMfaCommand, StartMfaEnrolment
from application.accounts.tokens import TokenPair
from domain.accounts import (
    MFA_CODE_MAX,
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
    mfa: Annotated[bool, documented(False, description="two-factor sign-in is on")]
    claims: ClaimsOut


async def _me(principal: Principal, mfa_status: GetMfaStatus) -> MeOut:
    user, claims = principal.user, principal.claims
    return MeOut(
        id=user.id,
        username=user.username.value,
        role=user.role,
        created_at=user.created_at,
        mfa=await mfa_status(user.id),
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


_EXAMPLE_CHALLENGE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTlhMjAwNS..."
_Challenge = Annotated[str, text(_EXAMPLE_CHALLENGE, CHALLENGE_MAX, 1)]
# What MfaCode accepts: 6 digits, or 16 base32 characters (a recovery code), with spaces
# and dashes anywhere.
_CODE_PATTERN = r"^[ -]*(?:(?:[0-9][ -]*){6}|(?:[A-Za-z2-7][ -]*){16})$"
_Code = Annotated[
    str,
    text(
        "123456",
        MFA_CODE_MAX,
        1,
        pattern=_CODE_PATTERN,
        description="the 6-digit code of the authenticator app, or a recovery code",
    ),
]


class MfaRequiredOut(msgspec.Struct):
    """A login of an account with two-factor sign-in on: no tokens yet."""

    mfa_required: Literal[True]
    challenge: Annotated[
        str, documented(_EXAMPLE_CHALLENGE, description="for POST /auth/mfa, with a code")
    ]
    expires_in: Annotated[int, documented(300, description="seconds the challenge lives")]


class MfaLoginIn(msgspec.Struct, forbid_unknown_fields=True):
    challenge: _Challenge
    code: _Code


class ChallengeIn(msgspec.Struct, forbid_unknown_fields=True):
    challenge: Annotated[
        str,
        text(_EXAMPLE_CHALLENGE, CHALLENGE_MAX, 1, description="of the 403 login answer"),
    ]


class ChallengeCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    challenge: _Challenge
    code: Annotated[
        str,
        text(
            "123456",
            MFA_CODE_MAX,
            1,
            pattern=_CODE_PATTERN,
            description="a code of the authenticator app",
        ),
    ]


class MfaCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    code: _Code


class MfaEnrolmentOut(msgspec.Struct):
    secret: Annotated[
        str, documented("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", description="base32; shown once")
    ]
    otpauth_uri: Annotated[
        str,
        documented(
            "otpauth://totp/Herald:ann.lee?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Herald",
            description="for an authenticator app's QR code; shown once",
        ),
    ]

    @classmethod
    def of(cls, enrolment: MfaEnrolment) -> "MfaEnrolmentOut":
        return cls(enrolment.secret, enrolment.uri)


class RecoveryCodesOut(msgspec.Struct):
    mfa: Literal[True]
    recovery_codes: Annotated[
        list[str],
        documented(
            ["ABCD-EFGH-IJKL-MNOP"],
            description="ten single-use codes for when the app is not at hand; shown once",
        ),
    ]


def _tokens(pair: TokenPair) -> TokenOut:
    return TokenOut(pair.access_token, pair.refresh_token, "bearer", pair.expires_in)


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
        description=(
            "With two-factor sign-in on, the answer holds no tokens but "
            "`{mfa_required: true, challenge}`: `POST /auth/mfa` with the challenge and a "
            "code answers the tokens. With HERALD_MFA_REQUIRED_FOR_STAFF, an admin or agent "
            "without it gets a 403 problem of `code` `mfa_enrolment_required` whose "
            "`challenge` enrols at `POST /auth/mfa/enrol`."
        ),
        status_code=HTTP_200_OK,
        operation_class=_LoginOperation,
        responses=problem_responses(401, 403, 413, 415, 422, 429),
    )
    async def login(
        self, request: Request[Any, Any, Any], log_in: FromDishka[LogIn]
    ) -> TokenOut | MfaRequiredOut:
        creds = await _read_credentials(request)
        client = request.client.host if request.client else "unknown"
        answer = await log_in(LogInCommand(creds.username, creds.password, client))
        if isinstance(answer, MfaRequired):
            return MfaRequiredOut(True, answer.challenge, answer.expires_in)
        return _tokens(answer)

    @post(
        "/mfa",
        summary="Complete a login with two-factor sign-in: the challenge and a code",
        description=(
            "`code`: the current 6-digit code of the authenticator app (each is good once) "
            "or an unused recovery code (spent by this). Wrong codes are limited per "
            "account (HERALD_MFA_FAILURE_LIMIT per HERALD_MFA_FAILURE_WINDOW_SECONDS): 429."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 413, 415, 422, 429),
    )
    async def mfa_login(
        self, data: JSONBody[MfaLoginIn], complete: FromDishka[CompleteMfaLogin]
    ) -> TokenOut:
        return _tokens(await complete(CompleteMfaLoginCommand(data.challenge, data.code)))

    @post(
        "/mfa/enrol",
        summary="Staff: start enrolling in two-factor sign-in with the login's challenge",
        description="The `challenge` of a login's 403 `mfa_enrolment_required` answer.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 409, 413, 415, 422),
    )
    async def mfa_enrol(
        self, data: JSONBody[ChallengeIn], start: FromDishka[StartMfaEnrolment]
    ) -> MfaEnrolmentOut:
        return MfaEnrolmentOut.of(await start(StartMfaCommand(challenge=data.challenge)))

    @post(
        "/mfa/enrol/confirm",
        summary="Staff: turn two-factor sign-in on with the challenge and a first code",
        description="Answers the recovery codes, once; then log in again.",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 409, 413, 415, 422, 429),
    )
    async def mfa_enrol_confirm(
        self, data: JSONBody[ChallengeCodeIn], confirm: FromDishka[ConfirmMfa]
    ) -> RecoveryCodesOut:
        codes = await confirm(ConfirmMfaCommand(data.code, challenge=data.challenge))
        return RecoveryCodesOut(True, list(codes))

    @post(
        "/refresh",
        summary="Rotate a refresh token; reusing a rotated one revokes its session",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 413, 415, 422),
    )
    async def refresh(
        self, data: JSONBody[RefreshBody], refresh: FromDishka[RefreshTokens]
    ) -> TokenOut:
        return _tokens(await refresh(data.refresh_token))

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
    async def auth_me(
        self, principal: NamedDependency[Principal], mfa_status: FromDishka[GetMfaStatus]
    ) -> MeOut:
        return await _me(principal, mfa_status)


@get(
    "/me",
    tags=["auth"],
    summary="The current user and the claims of the access token (seed 000 path)",
    security=SECURITY,
    responses=problem_responses(401),
)
async def me(principal: NamedDependency[Principal], mfa_status: FromDishka[GetMfaStatus]) -> MeOut:
    return await _me(principal, mfa_status)


class MyMfaController(Controller):
    path = "/me/mfa"
    tags = ["auth"]
    security = SECURITY

    @post(
        summary="Start enrolling in two-factor sign-in (TOTP): the secret, shown once",
        description=(
            "Answers the secret and its `otpauth://` URI (for a QR code) once; two-factor "
            "sign-in is not on until `POST /me/mfa/confirm`. Starting again before "
            "confirming replaces the secret; with it on: 409."
        ),
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 403, 409),
    )
    async def start(
        self, principal: NamedDependency[Principal], start: FromDishka[StartMfaEnrolment]
    ) -> MfaEnrolmentOut:
        return MfaEnrolmentOut.of(await start(StartMfaCommand(user=principal.user)))

    @post(
        "/confirm",
        summary="Turn two-factor sign-in on with a first code; the recovery codes, shown once",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 409, 413, 415, 422, 429),
    )
    async def confirm(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[MfaCodeIn],
        confirm: FromDishka[ConfirmMfa],
    ) -> RecoveryCodesOut:
        codes = await confirm(ConfirmMfaCommand(data.code, user=principal.user))
        return RecoveryCodesOut(True, list(codes))

    @delete(
        summary="Turn two-factor sign-in off, with a current code or a recovery code",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(401, 403, 409, 413, 415, 422, 429),
    )
    async def disable(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[MfaCodeIn],
        disable: FromDishka[DisableMfa],
    ) -> None:
        await disable(DisableMfaCommand(principal.user, data.code))
