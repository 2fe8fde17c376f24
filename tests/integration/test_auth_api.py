from typing import Any

from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer, signup


async def test_signup_login_me(client: AsyncTestClient[Any]) -> None:
    user = await signup(client, "Ann.Lee")
    assert user["username"] == "ann.lee" and user["role"] == "user"
    headers = await bearer(client, "ANN.LEE")
    me = (await client.get("/me", headers=headers)).json()
    assert me["id"] == user["id"]
    assert me["claims"]["role"] == "user" and me["claims"]["exp"].endswith("Z")


async def test_admin_login(client: AsyncTestClient[Any], container: AsyncContainer) -> None:
    headers = await admin_bearer(client, container)
    assert (await client.get("/auth/me", headers=headers)).json()["role"] == "admin"
