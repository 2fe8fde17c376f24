"""/admin/api-keys: admins make keys (the secret shown once), list and revoke them."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from application.api_keys.create_key import CreateApiKey, CreateApiKeyCommand
from application.api_keys.list_keys import ListApiKeys, ListApiKeysQuery
from application.api_keys.revoke_key import RevokeApiKey
from application.paging import LIMITS
from application.policy import require_key_manager
from domain.api_keys import NAME_MAX, ApiKey, Scope
from entrypoints.http.schemas import (
    EXAMPLE_ID,
    EXAMPLE_TIME,
    EXAMPLE_USER_ID,
    NOT_BLANK,
    IdCursor,
    documented,
    problem_responses,
    text,
)
from entrypoints.http.security import SECURITY, CallerDependency, allowed_to

_Scopes = Annotated[
    list[str],
    documented(
        ["notifications:write", "recipients:read"],
        description=f"at least one of: {', '.join(Scope)}",
    ),
]


class ApiKeyIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, text("billing service", NAME_MAX, 1, pattern=NOT_BLANK)]
    scopes: _Scopes


class ApiKeyOut(msgspec.Struct):
    id: Annotated[UUID, documented(EXAMPLE_ID)]
    name: str
    scopes: list[Scope]
    prefix: Annotated[str, documented("hk_Xq3v9LmA", description="the secret's first characters")]
    created_at: Annotated[datetime, documented(EXAMPLE_TIME)]
    created_by: Annotated[UUID, documented(EXAMPLE_USER_ID, description="the admin")]
    last_used_at: Annotated[
        datetime | None, documented(None, description="to the minute; null: never used")
    ]
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> "ApiKeyOut":
        return cls(
            key.id,
            key.name,
            sorted(key.scopes),
            key.prefix,
            key.created_at,
            key.created_by,
            key.last_used_at,
            key.revoked_at,
        )


class CreatedApiKeyOut(ApiKeyOut):
    secret: Annotated[
        str,
        documented(
            "hk_Xq3v9LmA...",
            description="shown this once: Herald keeps only its hash",
        ),
    ]


class ApiKeyPageOut(msgspec.Struct):
    items: list[ApiKeyOut]
    next_cursor: str | None


_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]


class ApiKeyController(Controller):
    path = "/admin/api-keys"
    tags = ["api keys"]
    security = SECURITY
    # Admins by their own token: an API key cannot manage keys.
    guards = [allowed_to(require_key_manager)]

    @post(
        summary="Make an API key (admins only); its secret is in this answer and no other",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(401, 403, 413, 415, 422),
    )
    async def create(
        self,
        caller: CallerDependency,
        data: JSONBody[ApiKeyIn],
        create: FromDishka[CreateApiKey],
    ) -> CreatedApiKeyOut:
        made = await create(CreateApiKeyCommand(caller, data.name, data.scopes))
        return CreatedApiKeyOut(
            **msgspec.structs.asdict(ApiKeyOut.of(made.key)), secret=made.secret
        )

    @get(
        summary="Every API key, revoked ones too, by id (admins only); never a secret",
        responses=problem_responses(401, 403, 422),
    )
    async def list_keys(
        self,
        caller: CallerDependency,
        list_keys: FromDishka[ListApiKeys],
        limit: _Limit = LIMITS.default,
        cursor: IdCursor = None,
    ) -> ApiKeyPageOut:
        page = await list_keys(ListApiKeysQuery(caller, limit, cursor))
        return ApiKeyPageOut([ApiKeyOut.of(key) for key in page.items], page.next_cursor)

    @delete(
        "/{key_id:uuid}",
        summary="Revoke an API key for good (admins only); every process refuses it within "
        "HERALD_AUTH_CACHE_SECONDS",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404),
    )
    async def revoke(
        self,
        caller: CallerDependency,
        key_id: FromPath[UUID],
        revoke: FromDishka[RevokeApiKey],
    ) -> ApiKeyOut:
        return ApiKeyOut.of(await revoke(caller, key_id))
