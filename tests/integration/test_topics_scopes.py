"""Who may call /topics: admins by their access token, and API keys with topics:write,
which covers reading too; /me/topics is for users, never for a key."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer, key_headers
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
IDS = {"recipients": ["crm-1"]}
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
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


async def run_all(client: Client, headers: dict[str, str]) -> None:
    for method, path, body in ROUTES:
        answer = await client.request(method, path, headers=headers, json=body)
        assert answer.status_code in (200, 201, 204), (method, path, answer.text)


async def test_a_key_with_topics_write_manages_and_reads_topics(
    client: Client, admin: dict[str, str]
) -> None:
    await run_all(client, await key_headers(client, admin, "topics:write"))


async def test_a_key_without_the_scope_is_refused_naming_it(
    client: Client, admin: dict[str, str]
) -> None:
    key = await key_headers(client, admin, "recipients:write", "templates:write")
    for method, path, body in ROUTES:
        refused = await client.request(method, path, headers=key, json=body)
        detail = assert_problem(refused, 403)["detail"]
        assert detail == "the API key lacks the scope topics:write", (method, path)


async def test_users_are_refused_and_admins_do_everything(
    client: Client, admin: dict[str, str]
) -> None:
    ann = await bearer(client, "ann")
    for method, path, body in ROUTES:
        refused = await client.request(method, path, headers=ann, json=body)
        assert assert_problem(refused, 403)["detail"] == (
            "topics:write needs the admin role or an API key with it"
        ), (method, path)
    await run_all(client, admin)


async def test_a_key_has_no_topics_of_its_own(client: Client, admin: dict[str, str]) -> None:
    await client.put("/topics/news", json={"name": "News", "self_service": True}, headers=admin)
    key = await key_headers(client, admin, "topics:write")
    for method, path in [("get", "/me/topics"), ("put", "/me/topics/news")]:
        refused = await client.request(method, path, headers=key)
        assert "API key acts as a service" in assert_problem(refused, 403)["detail"]
    assert_problem(await client.get("/me/topics"), 401)
