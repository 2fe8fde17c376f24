"""Who may call /templates: admins by their access token, and API keys with
templates:write, which covers reading too (a key that manages templates must read them)."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer, key_headers
from tests.support.scopes import Route, refused_all, run_all

Client = AsyncTestClient[Any]
BODY = {"variables": ["code"], "sms": {"text": "Your code is {{ code }}"}}
ROUTES: list[Route] = [
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


async def test_a_key_with_templates_write_manages_and_reads_templates(
    client: Client, admin: dict[str, str]
) -> None:
    await run_all(client, await key_headers(client, admin, "templates:write"), ROUTES)


async def test_a_key_without_the_scope_is_refused_naming_it(
    client: Client, admin: dict[str, str]
) -> None:
    key = await key_headers(client, admin, "recipients:read", "recipients:write")
    await refused_all(client, key, ROUTES, "the API key lacks the scope templates:write")


async def test_users_are_refused_and_admins_do_everything(
    client: Client, admin: dict[str, str]
) -> None:
    ann = await bearer(client, "ann")
    refused = "templates:write needs the admin role or an API key with it"
    await refused_all(client, ann, ROUTES, refused)
    await run_all(client, admin, ROUTES)
