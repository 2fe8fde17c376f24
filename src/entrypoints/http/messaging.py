"""Messaging (seed 001): the user directory `/api/users`, profiles through `PATCH /me`."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from application.accounts.authenticate import Principal
from application.messaging.list_users import ListUsers, ListUsersQuery
from application.messaging.update_profile import KEEP, UpdateProfile, UpdateProfileCommand
from application.paging import LIMITS
from domain.accounts import USERNAME_MAX
from domain.messaging import PROFILE_NAME_MAX, DirectoryEntry
from entrypoints.http.schemas import (
    EXAMPLE_TIME,
    EXAMPLE_USER_ID,
    documented,
    problem_responses,
    text,
)
from entrypoints.http.security import SECURITY

_Time = Annotated[datetime, documented(EXAMPLE_TIME)]
_Username = Annotated[str, documented("ann.lee")]
_Name = Annotated[str | None, documented("Ann")]
_Limit = Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)]
_Cursor = Annotated[
    str | None, QueryParameter(max_length=200, description="`next_cursor` of the previous page")
]


class ProfilePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out keep their value; null (or blank) clears one."""

    first_name: Annotated[str | msgspec.UnsetType | None, text("Ann", PROFILE_NAME_MAX)] = (
        msgspec.UNSET
    )
    last_name: Annotated[str | msgspec.UnsetType | None, text("Lee", PROFILE_NAME_MAX)] = (
        msgspec.UNSET
    )


class UserOut(msgspec.Struct):
    username: _Username
    first_name: _Name
    last_name: _Name
    created_at: _Time

    @classmethod
    def of(cls, e: DirectoryEntry) -> "UserOut":
        return cls(e.username, e.first_name, e.last_name, e.created_at)


class ProfileOut(msgspec.Struct):
    id: Annotated[UUID, documented(EXAMPLE_USER_ID)]
    username: _Username
    first_name: _Name
    last_name: _Name


class UserPageOut(msgspec.Struct):
    items: list[UserOut]
    next_cursor: Annotated[str | None, documented("YW5uLmxlZQ")]


def _keep_unset(value: object) -> object:
    return KEEP if value is msgspec.UNSET else value


@patch(
    "/me",
    tags=["messaging"],
    summary="Change your profile (first_name, last_name); fields left out stay as they were",
    security=SECURITY,
    responses=problem_responses(401, 413, 415, 422),
)
async def update_me(
    principal: NamedDependency[Principal],
    data: JSONBody[ProfilePatch],
    update: FromDishka[UpdateProfile],
) -> ProfileOut:
    user = principal.user
    cmd = UpdateProfileCommand(user, _keep_unset(data.first_name), _keep_unset(data.last_name))
    profile = await update(cmd)
    return ProfileOut(user.id, user.username.value, profile.first_name, profile.last_name)


class UserDirectoryController(Controller):
    path = "/api/users"
    tags = ["messaging"]
    security = SECURITY

    @get(
        summary="The user directory: usernames starting with `q`, in username order",
        responses=problem_responses(401, 422),
    )
    async def list_users(
        self,
        principal: NamedDependency[Principal],
        list_users: FromDishka[ListUsers],
        q: Annotated[
            str, QueryParameter(max_length=USERNAME_MAX + 10, description="a username prefix")
        ] = "",
        limit: _Limit = LIMITS.default,
        cursor: _Cursor = None,
    ) -> UserPageOut:
        page = await list_users(ListUsersQuery(q, limit, cursor))
        return UserPageOut([UserOut.of(e) for e in page.items], page.next_cursor)
