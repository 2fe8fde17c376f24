"""Profiles (`PATCH /me`) and the user directory (`GET /api/users`) through the app."""

from typing import Any

from litestar.testing import AsyncTestClient

from tests.support.auth import bearer
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]


def errors(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["field"]: e["message"] for e in body["errors"]}


async def test_patch_me_sets_keeps_and_clears_names(client: Client) -> None:
    ann = await bearer(client, "ann")
    r = await client.patch("/me", headers=ann, json={"first_name": "  Ann ", "last_name": "O'Neil"})
    assert r.status_code == 200, r.text
    assert r.json()["username"] == "ann"
    assert (r.json()["first_name"], r.json()["last_name"]) == ("Ann", "O'Neil")
    kept = await client.patch("/me", headers=ann, json={"first_name": "Anne"})
    assert (kept.json()["first_name"], kept.json()["last_name"]) == ("Anne", "O'Neil")
    cleared = await client.patch("/me", headers=ann, json={"last_name": None})
    assert (cleared.json()["first_name"], cleared.json()["last_name"]) == ("Anne", None)
    listed = (await client.get("/api/users", headers=ann)).json()["items"]
    assert [(u["username"], u["first_name"], u["last_name"]) for u in listed] == [
        ("ann", "Anne", None)
    ]
    # The seed's `/me` still answers the account.
    assert (await client.get("/me", headers=ann)).json()["username"] == "ann"


async def test_bad_profiles_are_422s_naming_each_field(client: Client) -> None:
    ann = await bearer(client, "ann")
    bad = await client.patch("/me", headers=ann, json={"first_name": "x" * 33, "last_name": "a\tb"})
    assert set(errors(bad)) == {"first_name", "last_name"}
    nul = await client.patch("/me", headers=ann, json={"first_name": "a\u0000"})
    assert set(errors(nul)) == {"first_name"}
    unknown = await client.patch("/me", headers=ann, json={"email": "a@example.com"})
    assert unknown.status_code == 422
    assert (await client.patch("/me", json={"first_name": "A"})).status_code == 401


async def test_directory_searches_by_prefix_and_pages(client: Client) -> None:
    ann = await bearer(client, "ann")
    for name in ["anna", "annie", "bob", "an_x"]:
        await bearer(client, name)
    everyone = (await client.get("/api/users", headers=ann, params={"limit": 100})).json()
    assert [u["username"] for u in everyone["items"]] == ["an_x", "ann", "anna", "annie", "bob"]
    assert everyone["items"][0]["created_at"].endswith("Z")
    first = (await client.get("/api/users", headers=ann, params={"q": "ANN", "limit": 2})).json()
    assert [u["username"] for u in first["items"]] == ["ann", "anna"]
    rest = await client.get(
        "/api/users", headers=ann, params={"q": "ann", "cursor": first["next_cursor"]}
    )
    assert [u["username"] for u in rest.json()["items"]] == ["annie"]
    assert rest.json()["next_cursor"] is None
    # `_` is a username character, not a wildcard.
    underscore = (await client.get("/api/users", headers=ann, params={"q": "an_"})).json()
    assert [u["username"] for u in underscore["items"]] == ["an_x"]


async def test_directory_refuses_bad_queries_and_strangers(client: Client) -> None:
    ann = await bearer(client, "ann")
    bad = await client.get("/api/users", headers=ann, params={"q": "a%", "cursor": "!!"})
    assert set(errors(bad)) == {"q", "cursor"}
    assert set(errors(await client.get("/api/users", headers=ann, params={"limit": 0}))) == {
        "limit"
    }
    assert_problem(await client.get("/api/users"), 401)
