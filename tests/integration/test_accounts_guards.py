"""Who may call a route: every route the schema marks as secured refuses a caller
without a valid token, and admin routes refuse other users before reading anything
else; the token is checked once per request."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from application.accounts.authenticate import Authenticate
from tests.support.auth import admin_bearer, bearer
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]

NO_TOKEN = "missing bearer token: send 'Authorization: Bearer <access token>'"
ADMIN_ROUTES = {
    ("get", "/dev/outbox"): "this action needs the admin role",
    ("post", "/api/populate"): "this action needs the admin role",
    ("get", "/admin/notifications"): "the activity view needs the admin role",
    ("get", "/templates"): "reading templates needs the admin role",
}


async def secured_operations(client: Client) -> list[tuple[str, str]]:
    schema = (await client.get("/docs/openapi.json")).json()
    return [
        (method, path.replace("{notification_id}", "01922e7e-0000-7000-8000-000000000001"))
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if operation.get("security")
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
