"""Bad bytes get a 4xx and lose nothing: NUL in any text field, bytes that are not UTF-8,
JSON nested 100,000 deep and a wrong content type, on every JSON route; a bad nested field
is named by its whole path."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000
NUL = "must not contain NUL characters"

# (method, path, a valid body) of every route that takes JSON.
JSON_ROUTES = [
    ("POST", "/auth/signup", {"username": "zed", "password": "password123"}),
    ("POST", "/auth/login", {"username": "zed", "password": "password123"}),
    ("POST", "/auth/refresh", {"refresh_token": "x" * 43}),
    ("POST", "/notifications", {"text": "hi"}),
    ("PATCH", "/preferences", {"email": "a@b.co"}),
]


@pytest.fixture
async def headers(client: Client) -> dict[str, str]:
    return await bearer(client, "ann")


@pytest.mark.parametrize(("method", "path", "body"), JSON_ROUTES)
@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b'{"text": "\xff\xfe"}', "not valid UTF-8"),
        (DEEP, "nested too deeply"),
        (b'{"text": ' + DEEP + b"}", "nested too deeply"),
        (b"{not json", "not valid JSON"),
    ],
)
async def test_undecodable_bodies_are_a_400(
    client: Client,
    headers: dict[str, str],
    method: str,
    path: str,
    body: object,
    content: bytes,
    detail: str,
) -> None:
    r = await client.request(method, path, content=content, headers={**headers, **JSON})
    assert detail in assert_problem(r, 400)["detail"]


@pytest.mark.parametrize(("method", "path", "body"), JSON_ROUTES)
async def test_json_sent_as_text_plain_is_a_415(
    client: Client, headers: dict[str, str], method: str, path: str, body: object
) -> None:
    r = await client.request(
        method, path, json=body, headers={**headers, "Content-Type": "text/plain"}
    )
    assert "application/json" in assert_problem(r, 415)["detail"]


async def test_sendgrid_bodies_that_are_not_json_are_a_400(client: Client) -> None:
    for content in (b"\xff", DEEP):
        r = await client.post("/webhooks/sendgrid/events", content=content, headers=JSON)
        assert_problem(r, 400)


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/notifications", "POST", {"text": "a\0b"}, "text"),
        ("/notifications", "POST", {"text": "ok", "title": "\0"}, "title"),
        ("/preferences", "PATCH", {"email": "a\0@b.co"}, "email"),
        ("/auth/signup", "POST", {"username": "zed", "password": "pass\0word123"}, "password"),
        ("/auth/login", "POST", {"username": "ann\0", "password": "x"}, "username"),
    ],
)
async def test_nul_in_a_text_field_is_a_422_naming_it(
    client: Client, headers: dict[str, str], path: str, method: str, body: object, field: str
) -> None:
    r = await client.request(method, path, json=body, headers=headers)
    assert assert_problem(r, 422)["errors"] == [{"field": field, "message": NUL}]


async def test_nul_is_found_as_the_json_escape_and_only_as_it(
    client: Client, headers: dict[str, str]
) -> None:
    """`\\u0000` in the body is NUL; `\\\\u0000` (an escaped backslash, then `u0000`)
    is not, and is taken as the text it is."""
    nul = await client.patch(
        "/preferences", content=rb'{"email": "a\u0000@b.co"}', headers={**headers, **JSON}
    )
    assert assert_problem(nul, 422)["errors"] == [{"field": "email", "message": NUL}]
    literal = await client.patch(
        "/preferences", content=rb'{"email": "a\\u0000@b.co"}', headers={**headers, **JSON}
    )
    assert literal.status_code == 200, literal.text
    assert literal.json()["email"] == "a\\u0000@b.co"


async def test_nul_in_a_form_login_is_a_422_too(client: Client) -> None:
    r = await client.post("/auth/login", data={"username": "ann\0", "password": "x"})
    assert assert_problem(r, 422)["errors"] == [{"field": "username", "message": NUL}]


@pytest.mark.parametrize("as_form", [False, True])
async def test_login_fields_are_bounded_alike_in_json_and_forms(
    client: Client, as_form: bool
) -> None:
    body = {"username": "a" * 1_000_000, "password": "x" * 300}
    r = await (
        client.post("/auth/login", data=body) if as_form else client.post("/auth/login", json=body)
    )
    assert {e["field"] for e in assert_problem(r, 422)["errors"]} == {"username", "password"}


async def test_login_in_a_form_still_takes_swagger_uis_extra_fields(client: Client) -> None:
    await bearer(client, "bob")
    form = {"username": "bob", "password": "password123", "grant_type": "password", "scope": ""}
    assert (await client.post("/auth/login", data=form)).status_code == 200


async def test_an_admin_notifying_with_nul_gets_a_422(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    r = await client.post("/notifications", json={"text": "\0"}, headers=admin)
    assert assert_problem(r, 422)["errors"][0]["field"] == "text"


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "message"),
    [
        ("PUT", "/templates/t", {"email": {"subject": 5, "text": "a"}}, "email.subject", None),
        ("PUT", "/templates/t", {"email": {"text": "a"}}, "email.subject", "is required"),
        (
            "PUT",
            "/templates/t",
            {"email": {"subject": "a", "text": "b", "to": "x"}},
            "email.to",
            None,
        ),
        ("PUT", "/recipients/r", {"quiet_hours": {"start": "21:00"}}, "quiet_hours.end", None),
        ("POST", "/recipients/bulk", {"items": [{"external_id": "a"}, 5]}, "items[1]", None),
        (
            "POST",
            "/recipients/bulk",
            {"items": [{"external_id": "a"}, {"external_id": "b", "phone": "\0"}]},
            "items[1].phone",
            NUL,
        ),
    ],
)
async def test_a_nested_field_is_named_by_its_whole_path(
    client: Client,
    container: AsyncContainer,
    method: str,
    path: str,
    body: object,
    field: str,
    message: str | None,
) -> None:
    admin = await admin_bearer(client, container)
    r = await client.request(method, path, json=body, headers=admin)
    [error] = assert_problem(r, 422)["errors"]
    assert error["field"] == field, r.text
    if message is not None:
        assert error["message"] == message
