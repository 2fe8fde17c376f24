"""Who may call /templates: admins by their access token, and API keys with
templates:write, which covers reading too (a key that manages templates must read them)."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer, key_headers
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
BODY = {"variables": ["code"], "sms": {"text": "Your code is {{ code }}"}}
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("put", "/templates/code", BODY),
    ("get", "/templates/code", None),
    ("get", "/templates", None),
    ("put", "/templates/code/locales/pt", {"sms": {"text": "O seu código é {{ code }}"}}),
    ("post", "/templates/code/preview", {"channel": "sms", "data": {"code": "42"}}),
    ("delete", "/templates/code/locales/pt", None),
    ("delete", "/templates/code", None),
]


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    return await admin_bearer(client, container)


async def run_all(client: Client, headers: dict[str, str]) -> None:
    for method, path, body in ROUTES:
        answer = await client.request(method, path, headers=headers, json=body)
        assert answer.status_code in (200, 201, 204), (method, path, answer.text)


async def test_a_key_with_templates_write_manages_and_reads_templates(
    client: Client, admin: dict[str, str]
) -> None:
    await run_all(client, await key_headers(client, admin, "templates:write"))


async def test_a_key_without_the_scope_is_refused_naming_it(
    client: Client, admin: dict[str, str]
) -> None:
    key = await key_headers(client, admin, "recipients:read", "recipients:write")
    for method, path, body in ROUTES:
        refused = await client.request(method, path, headers=key, json=body)
        detail = assert_problem(refused, 403)["detail"]
        assert detail == "the API key lacks the scope templates:write", (method, path)


async def test_users_are_refused_and_admins_do_everything(
    client: Client, admin: dict[str, str]
) -> None:
    ann = await bearer(client, "ann")
    for method, path, body in ROUTES:
        refused = await client.request(method, path, headers=ann, json=body)
        assert assert_problem(refused, 403)["detail"] == (
            "templates:write needs the admin role or an API key with it"
        ), (method, path)
    await run_all(client, admin)
