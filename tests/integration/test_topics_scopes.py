"""Who may call /topics: admins by their access token, and API keys with topics:write,
which covers reading too; /me/topics is for users, never for a key."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer, key_headers
from tests.support.problems import assert_problem
from tests.support.scopes import Route, refused_all, run_all

Client = AsyncTestClient[Any]
IDS = {"recipients": ["crm-1"]}
ROUTES: list[Route] = [
    ("put", "/topics/orders", {"name": "Orders", "self_service": True}),
    ("get", "/topics/orders", None),
    ("get", "/topics", None),
    ("post", "/topics/orders/subscribers", IDS),
    ("get", "/topics/orders/subscribers", None),
    ("delete", "/topics/orders/subscribers", IDS),
    ("delete", "/topics/orders", None),
]


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    return await admin_bearer(client, container)


async def test_a_key_with_topics_write_manages_and_reads_topics(
    client: Client, admin: dict[str, str]
) -> None:
    await run_all(client, await key_headers(client, admin, "topics:write"), ROUTES)


async def test_a_key_without_the_scope_is_refused_naming_it(
    client: Client, admin: dict[str, str]
) -> None:
    key = await key_headers(client, admin, "recipients:write", "templates:write")
    await refused_all(client, key, ROUTES, "the API key lacks the scope topics:write")


async def test_users_are_refused_and_admins_do_everything(
    client: Client, admin: dict[str, str]
) -> None:
    ann = await bearer(client, "ann")
    refused = "topics:write needs the admin role or an API key with it"
    await refused_all(client, ann, ROUTES, refused)
    await run_all(client, admin, ROUTES)


async def test_a_key_has_no_topics_of_its_own(client: Client, admin: dict[str, str]) -> None:
    await client.put("/topics/news", json={"name": "News", "self_service": True}, headers=admin)
    key = await key_headers(client, admin, "topics:write")
    for method, path in [("get", "/me/topics"), ("put", "/me/topics/news")]:
        refused = await client.request(method, path, headers=key)
        assert "API key acts as a service" in assert_problem(refused, 403)["detail"]
    assert_problem(await client.get("/me/topics"), 401)
