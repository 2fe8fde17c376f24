"""Who may call /recipients: admins by their access token, and API keys with
recipients:read (GET, the list) or recipients:write (PUT, PATCH, DELETE, bulk)."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer, key_headers
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
Route = tuple[str, str, dict[str, Any] | None]
BODY = {"name": "Ann Lee", "email": "ann@example.com"}
READS: list[Route] = [("get", "/recipients/crm-1", None), ("get", "/recipients?q=Ann", None)]
WRITES: list[Route] = [
    ("put", "/recipients/crm-2", BODY),
    ("patch", "/recipients/crm-1", {"name": "Ann B. Lee"}),
    ("post", "/recipients/bulk", {"items": [{"external_id": "crm-3", **BODY}]}),
    ("delete", "/recipients/crm-1", None),  # last: it erases crm-1
]


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    headers = await admin_bearer(client, container)
    made = await client.put("/recipients/crm-1", headers=headers, json=BODY)
    assert made.status_code == 201, made.text
    return headers


async def call(client: Client, route: Route, headers: dict[str, str]) -> Any:
    method, path, body = route
    return await client.request(method, path, headers=headers, json=body)


async def test_a_key_with_recipients_read_reads_and_may_not_write(
    client: Client, admin: dict[str, str]
) -> None:
    key = await key_headers(client, admin, "recipients:read")
    for route in READS:
        answer = await call(client, route, key)
        assert answer.status_code == 200, (route, answer.text)
    assert (await client.get("/recipients/crm-1", headers=key)).json()["name"] == "Ann Lee"
    for route in WRITES:
        refused = await call(client, route, key)
        assert assert_problem(refused, 403)["detail"] == (
            "the API key lacks the scope recipients:write"
        ), route
    assert (await client.get("/recipients/crm-2", headers=admin)).status_code == 404


async def test_a_key_with_recipients_write_writes_and_may_not_read(
    client: Client, admin: dict[str, str]
) -> None:
    key = await key_headers(client, admin, "recipients:write")
    for route in WRITES:
        answer = await call(client, route, key)
        assert answer.status_code in (200, 201), (route, answer.text)
    for route in READS:
        refused = await call(client, route, key)
        assert assert_problem(refused, 403)["detail"] == (
            "the API key lacks the scope recipients:read"
        ), route
    stored = await client.get("/recipients/crm-3", headers=admin)
    assert stored.json()["email"] == "ann@example.com"
    assert (await client.get("/recipients/crm-1", headers=admin)).status_code == 404


async def test_a_key_with_other_scopes_is_refused_before_its_body_is_read(
    client: Client, admin: dict[str, str]
) -> None:
    key = await key_headers(client, admin, "notifications:write", "templates:write")
    answer = await client.put(
        "/recipients/crm-1",
        headers={**key, "content-type": "application/json"},
        content=b"{not json",
    )
    assert assert_problem(answer, 403)["detail"] == "the API key lacks the scope recipients:write"


async def test_users_are_refused_and_admins_do_everything(
    client: Client, admin: dict[str, str]
) -> None:
    ann = await bearer(client, "ann")
    for route in [*READS, *WRITES]:
        refused = await call(client, route, ann)
        assert "needs the admin role or an API key" in assert_problem(refused, 403)["detail"]
    for route in [*READS, *WRITES]:
        answer = await call(client, route, admin)
        assert answer.status_code in (200, 201), (route, answer.text)


async def test_the_schema_offers_keys_on_every_recipients_route(client: Client) -> None:
    schema = (await client.get("/docs/openapi.json")).json()
    operations = [
        op
        for path, item in schema["paths"].items()
        if path.startswith("/recipients")
        for op in item.values()
    ]
    assert len(operations) == 6
    assert all({"api_key": []} in op["security"] for op in operations)
