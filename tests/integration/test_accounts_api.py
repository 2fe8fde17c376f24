from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import admin_bearer, bearer, login, signup
from tests.support.databases import migrated_empty
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]


async def test_signup_login_me(client: Client) -> None:
    user = await signup(client, "Ann.Lee")
    assert user["username"] == "ann.lee"
    assert user["role"] == "user"
    headers = await bearer(client, "ANN.LEE")
    for path in ("/me", "/auth/me"):
        me = (await client.get(path, headers=headers)).json()
        assert me["id"] == user["id"]
        assert me["claims"]["sub"] == user["id"]
        assert me["claims"]["role"] == "user"
        assert me["claims"]["exp"].endswith("Z")


async def test_oauth2_form_login(client: Client) -> None:
    await signup(client, "ann")
    response = await client.post("/auth/login", data={"username": "ann", "password": "password123"})
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    missing = await client.post("/auth/login", data={"username": "ann"})
    assert assert_problem(missing, 422)["errors"] == [
        {"field": "password", "message": "is required"}
    ]


async def test_admin_role(client: Client, container: AsyncContainer) -> None:
    headers = await admin_bearer(client, container)
    assert (await client.get("/auth/me", headers=headers)).json()["role"] == "admin"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"username": "a", "password": "password123"}, ["username"]),
        ({"username": "ann", "password": "short"}, ["password"]),
        ({"username": "no spaces", "password": "x" * 129}, ["username", "password"]),
        ({"username": 5, "password": "password123"}, ["username"]),
        ({"password": "password123"}, ["username"]),
        ({"username": "ann", "password": "password123", "role": "admin"}, ["role"]),
    ],
)
async def test_signup_names_each_bad_field(
    client: Client, body: dict[str, Any], fields: list[str]
) -> None:
    problem = assert_problem(await client.post("/auth/signup", json=body), 422)
    assert [e["field"] for e in problem["errors"]] == fields


async def test_signup_conflict(client: Client) -> None:
    await signup(client, "ann")
    assert_problem(
        await client.post("/auth/signup", json={"username": "ANN", "password": "password123"}), 409
    )


async def test_malformed_and_oversized_bodies(client: Client, settings: Settings) -> None:
    bad_json = await client.post(
        "/auth/signup", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert_problem(bad_json, 400)
    bad_login = await client.post(
        "/auth/login", content=b'{"username": ', headers={"content-type": "application/json"}
    )
    assert_problem(bad_login, 400)
    huge = b'{"username": "' + b"a" * settings.http.max_body_bytes + b'"}'
    too_big = await client.post(
        "/auth/signup", content=huge, headers={"content-type": "application/json"}
    )
    assert_problem(too_big, 413)


async def test_wrong_password_and_unknown_user_answer_alike(client: Client) -> None:
    await signup(client, "ann")
    wrong = await client.post("/auth/login", json={"username": "ann", "password": "nope-nope"})
    unknown = await client.post("/auth/login", json={"username": "bob", "password": "nope-nope"})
    first, second = assert_problem(wrong, 401), assert_problem(unknown, 401)
    assert first["detail"] == second["detail"]
    assert wrong.headers["www-authenticate"].startswith("Bearer")


async def test_refresh_rotation_and_reuse_detection(client: Client) -> None:
    await signup(client, "ann")
    first = await login(client, "ann")
    rotated = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    reuse = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reuse, 401)
    # the family is revoked: the newest refresh token and its access token are dead too
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401
    )
    me = await client.get("/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert_problem(me, 401)


async def test_logout_revokes(client: Client) -> None:
    await signup(client, "ann")
    tokens = await login(client, "ann")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.post("/auth/logout", headers=headers)).status_code == 204
    assert_problem(await client.get("/me", headers=headers), 401)
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401
    )


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Basic YW5uOnB3", "Bearer not.a.token", "Bearer " + "a" * 5000],
)
async def test_me_requires_a_valid_bearer_token(client: Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    assert_problem(await client.get("/me", headers=headers), 401)


async def test_unknown_route_and_method_are_problems(client: Client) -> None:
    assert_problem(await client.get("/nowhere"), 404)
    assert_problem(await client.delete("/auth/login"), 405)


async def test_request_id_is_echoed_when_sane(client: Client) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    odd = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith junk"})
    assert odd.headers["x-request-id"] != "bad id\twith junk"


async def test_health_docs_and_metrics(client: Client) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = (await client.get("/health/ready")).json()
    assert ready == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "schema": "ok"},
        "pending_migrations": [],
    }
    schema = (await client.get("/docs/openapi.json")).json()
    login_op = schema["paths"]["/auth/login"]["post"]
    assert set(login_op["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    assert "401" in login_op["responses"]
    assert "429" in login_op["responses"]
    # Herald's mending of Litestar's schema, made when the schema is first asked for:
    # closed bodies refuse extras, and text list items refuse NUL.
    assert (
        login_op["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"]
        is False
    )
    add_in = schema["components"]["schemas"]["AddIn"]
    assert add_in["additionalProperties"] is False
    assert add_in["properties"]["recipients"]["items"]["pattern"] == "^[^\\x00]*$"
    # Two structs named MessageIn: Litestar names them by module, and each keeps its rule
    # (the Landbot payload takes extras, a message does not).
    assert schema["components"]["schemas"]["messaging_MessageIn"]["additionalProperties"] is False
    assert "additionalProperties" not in schema["components"]["schemas"]["leads_MessageIn"]
    assert schema["components"]["securitySchemes"]["bearer"]["type"] == "oauth2"
    assert (await client.get("/docs")).status_code == 200
    await client.get("/health/live")
    metrics = (await client.get("/metrics")).text
    assert "herald_requests_total" in metrics


async def test_login_rate_limit(sqlite_url: str) -> None:
    from entrypoints.http.app import create_app
    from entrypoints.ioc import make_container

    settings = make_settings(sqlite_url, login_rate_limit=2)
    container = make_container(settings)
    from sqlalchemy.ext.asyncio import AsyncEngine

    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(settings, container)) as client:
        await signup(client, "ann")
        for _ in range(2):
            await client.post("/auth/login", json={"username": "ann", "password": "nope-nope"})
        limited = await client.post(
            "/auth/login", json={"username": "ann", "password": "password123"}
        )
        assert_problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
        other_user = await client.post(
            "/auth/login", json={"username": "bob", "password": "password123"}
        )
        assert other_user.status_code == 401
    await container.close()


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/notifications", "GET, OPTIONS, POST"),
        ("/preferences", "GET, OPTIONS, PATCH"),
        ("/auth/login", "OPTIONS, POST"),
        (f"/notifications/{'0' * 8}-0000-7000-8000-{'0' * 12}", "DELETE, GET, OPTIONS"),
    ],
)
async def test_options_lists_every_method_of_the_path(
    client: Client, path: str, methods: str
) -> None:
    answer = await client.options(path)
    assert answer.status_code == 204
    assert answer.headers["allow"] == methods
