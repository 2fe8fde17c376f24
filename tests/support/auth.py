"""Helpers for tests that need a logged-in user or an API key."""

from typing import Any

from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from application.accounts.sign_up import CreateAdmin, SignUpCommand


async def signup(
    client: AsyncTestClient[Any], username: str, password: str = "password123"
) -> dict[str, Any]:
    response = await client.post("/auth/signup", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def login(
    client: AsyncTestClient[Any], username: str, password: str = "password123"
) -> dict[str, Any]:
    response = await client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def bearer(
    client: AsyncTestClient[Any],
    username: str,
    password: str = "password123",
    *,
    preferences: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Sign up (if needed), log in and set these contact preferences, if any; returns the
    Authorization header."""
    await client.post("/auth/signup", json={"username": username, "password": password})
    tokens = await login(client, username, password)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    if preferences is not None:
        response = await client.patch("/preferences", headers=headers, json=preferences)
        assert response.status_code == 200, response.text
    return headers


async def admin_bearer(
    client: AsyncTestClient[Any],
    container: AsyncContainer,
    username: str = "root",
    password: str = "password123",
) -> dict[str, str]:
    """Create an admin the way `herald create-admin` does, and log in."""
    async with container() as request:
        await (await request.get(CreateAdmin))(SignUpCommand(username, password))
    tokens = await login(client, username, password)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def key_headers(
    client: AsyncTestClient[Any], admin: dict[str, str], *scopes: str, name: str = "service"
) -> dict[str, str]:
    """An API key with these scopes, made by `admin`; returns its X-API-Key header."""
    response = await client.post(
        "/admin/api-keys", headers=admin, json={"name": name, "scopes": list(scopes)}
    )
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["secret"]}
