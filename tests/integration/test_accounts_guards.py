"""Who may call a route: every route the schema marks as secured refuses a caller
without a valid token, and admin routes refuse other users before reading anything
else; an API key is refused wherever the schema does not offer the key scheme; the token
is checked once per request."""

import re
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from application.accounts.authenticate import Authenticate
from domain.api_keys import Scope
from tests.support.auth import admin_bearer, bearer
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]

NO_TOKEN = "missing bearer token: send 'Authorization: Bearer <access token>'"
ADMIN_ROUTES = {
    ("get", "/dev/outbox"): "this action needs the admin role",
    ("post", "/api/populate"): "this action needs the admin role",
    ("get", "/admin/notifications"): "the activity view needs the admin role",
    ("get", "/admin/api-keys"): "managing API keys needs the admin role",
    ("get", "/templates"): "templates:write needs the admin role or an API key with it",
    ("get", "/recipients"): "recipients:read needs the admin role or an API key with it",
}
SOME_ID = "01922e7e-0000-7000-8000-000000000001"


async def secured_operations(
    client: Client, *, for_keys: bool | None = None
) -> list[tuple[str, str]]:
    """(method, path) of every secured operation; `for_keys`: only those that do (True) or
    do not (False) take an API key."""
    schema = (await client.get("/docs/openapi.json")).json()
    return [
        # An id or a number where the path has one: a path Litestar cannot match is a 404
        # before any guard runs.
        (method, re.sub(r"\{number\}", "1", re.sub(r"\{\w+_id\}", SOME_ID, path)))
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if operation.get("security")
        and for_keys in (None, any("api_key" in s for s in operation["security"]))
    ]


async def test_every_secured_route_wants_a_token(client: Client) -> None:
    operations = await secured_operations(client)
    assert len(operations) >= 12
    assert set(ADMIN_ROUTES) <= set(operations)
    for method, path in operations:
        for headers in ({}, {"Authorization": "Basic cm9vdDpwdw=="}):
            answer = await client.request(method, f"{path}?limit=0&cursor=!!", headers=headers)
            body = assert_problem(answer, 401)
            assert body["detail"] == NO_TOKEN, (method, path)
            assert answer.headers["www-authenticate"] == 'Bearer realm="herald"'
        forged = await client.request(method, path, headers={"Authorization": "Bearer forged"})
        assert_problem(forged, 401)


async def test_a_key_is_refused_where_the_schema_offers_no_key_scheme(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    made = await client.post(
        "/admin/api-keys", headers=admin, json={"name": "all", "scopes": [*Scope]}
    )
    key = {"X-API-Key": made.json()["secret"]}
    operations = await secured_operations(client, for_keys=False)
    assert ("get", "/me") in operations
    for method, path in operations:
        answer = await client.request(method, path, headers=key, json={})
        assert_problem(answer, 403)


@pytest.mark.parametrize(("operation", "refusal"), ADMIN_ROUTES.items())
async def test_admin_routes_refuse_other_users_before_reading_anything(
    client: Client, container: AsyncContainer, operation: tuple[str, str], refusal: str
) -> None:
    method, path = operation
    user = await bearer(client, "ann")
    # Bad parameters and a malformed body: the role is still what the caller hears about.
    answer = await client.request(
        method,
        f"{path}?limit=0&count=0&cursor=!!",
        headers={**user, "content-type": "application/json"},
        content=b"{not json",
    )
    assert assert_problem(answer, 403)["detail"] == refusal
    nobody = await client.request(method, path, content=b"{not json")
    assert_problem(nobody, 401)
    admin = await admin_bearer(client, container)
    assert (await client.request(method, path, headers=admin)).status_code < 300


async def test_the_principal_is_resolved_once_per_request(
    client: Client, container: AsyncContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await admin_bearer(client, container)
    calls = 0
    resolve = Authenticate.__call__

    async def counted(self: Authenticate, token: str) -> Any:
        nonlocal calls
        calls += 1
        return await resolve(self, token)

    monkeypatch.setattr(Authenticate, "__call__", counted)
    # The admin guard and the handler's `principal`: one token check.
    assert (await client.post("/api/populate?count=1", headers=admin)).status_code in (201, 502)
    assert calls == 1
