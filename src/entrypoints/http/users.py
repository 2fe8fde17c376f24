"""/admin/users (admins manage accounts: roles, disabling) and /me/password."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.accounts.authenticate import Principal
from application.accounts.change_password import ChangePassword, ChangePasswordCommand
from application.accounts.list_users import ListUsers, ListUsersQuery
from application.accounts.log_in import LOGIN_FIELD_MAX
from application.accounts.update_user import UpdateUser, UpdateUserCommand
from application.paging import LIMITS
from domain.accounts import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX, Role, User
from entrypoints.http.schemas import (
    EXAMPLE_TIME,
    EXAMPLE_USER_ID,
    IdCursor,
    documented,
    problem_responses,
    text,
)
from entrypoints.http.security import SECURITY, admin_only


class AdminUserOut(msgspec.Struct):
    id: Annotated[UUID, documented(EXAMPLE_USER_ID)]
    username: Annotated[str, documented("ann.lee")]
    role: Role
    disabled: bool
    created_at: Annotated[datetime, documented(EXAMPLE_TIME)]

    @classmethod
    def of(cls, user: User) -> "AdminUserOut":
        return cls(user.id, user.username.value, user.role, user.disabled, user.created_at)


class UserPageOut(msgspec.Struct):
    items: list[AdminUserOut]
    next_cursor: str | None


class UserChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Annotated[Role | None, documented("agent", description="null or absent: unchanged")] = (
        None
    )
    disabled: Annotated[
        bool | None,
        documented(True, description="true ends every session of the account at once"),
    ] = None


class PasswordChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    current: Annotated[str, text("correct horse battery", LOGIN_FIELD_MAX, 1)]
    new: Annotated[
        str, text("a longer horse battery staple", PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH)
    ]


class AdminUserController(Controller):
    path = "/admin/users"
    tags = ["users"]
    security = SECURITY
    guards = [admin_only]  # the use cases ask the policy too

    @get(
        summary="Accounts in the order they were made; `q` searches usernames (admins only)",
        description="`q`: the start of a username (any case); `role`: user, agent or admin.",
        responses=problem_responses(401, 403, 422),
    )
    async def list_users(
        self,
        principal: NamedDependency[Principal],
        list_users: FromDishka[ListUsers],
        q: Annotated[str | None, QueryParameter(max_length=USERNAME_MAX)] = None,
        role: Annotated[
            str | None, QueryParameter(max_length=16, description="user, agent or admin")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=LIMITS.maximum)] = LIMITS.default,
        cursor: IdCursor = None,
    ) -> UserPageOut:
        page = await list_users(ListUsersQuery(principal.user, q, role, limit, cursor))
        return UserPageOut([AdminUserOut.of(u) for u in page.items], page.next_cursor)

    @patch(
        "/{user_id:uuid}",
        summary="Change an account's role, or disable it (admins only)",
        description=(
            "Disabling ends every session of the account at once. The last enabled admin "
            "can be neither demoted nor disabled: 409."
        ),
        responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    )
    async def update_user(
        self,
        principal: NamedDependency[Principal],
        user_id: FromPath[UUID],
        data: JSONBody[UserChangeIn],
        update_user: FromDishka[UpdateUser],
    ) -> AdminUserOut:
        role = None if data.role is None else data.role.value
        command = UpdateUserCommand(principal.user, user_id, role, data.disabled)
        return AdminUserOut.of(await update_user(command))


@post(
    "/me/password",
    tags=["auth"],
    summary="Change your password; every other session of the account ends",
    status_code=HTTP_204_NO_CONTENT,
    security=SECURITY,
    responses=problem_responses(401, 403, 413, 415, 422, 429),
)
async def change_my_password(
    principal: NamedDependency[Principal],
    data: JSONBody[PasswordChangeIn],
    change_password: FromDishka[ChangePassword],
) -> None:
    await change_password(
        ChangePasswordCommand(principal.user, principal.claims.session_id, data.current, data.new)
    )
