"""Preferences through the whole app: GET and PATCH /preferences."""

from typing import Any

from litestar.testing import AsyncTestClient

from tests.support.auth import bearer
from tests.support.notifications import client

__all__ = ["client"]  # a fixture: the app with its delivery engine

Client = AsyncTestClient[Any]


async def test_preferences_patch_keeps_fields_left_out(client: Client) -> None:
    headers = await bearer(client, "ann")
    first = await client.get("/preferences", headers=headers)
    assert first.status_code == 200
    assert first.json()["notify_pref"] == "none"
    assert first.json()["username"] == "ann"
    r = await client.patch(
        "/preferences",
        headers=headers,
        json={"notify_pref": "sms", "email": "Guy@Example.COM", "phone": 15105552054},
    )
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "+15105552054"
    assert r.json()["email"] == "Guy@example.com"
    r = await client.patch("/preferences", headers=headers, json={"notify_pref": "None"})
    body = r.json()
    assert body["notify_pref"] == "none"
    assert body["email"] == "Guy@example.com"
    assert body["phone"] == "+15105552054"


async def test_preferences_validation_names_fields(client: Client) -> None:
    headers = await bearer(client, "ann")
    r = await client.patch("/preferences", headers=headers, json={"email": "nope", "phone": "12"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"email", "phone"}
    r = await client.patch("/preferences", headers=headers, json={"notify_pref": "sms"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "phone"
    assert "phone" in r.json()["detail"]
    r = await client.patch("/preferences", headers=headers, json={"notify_pref": "pigeon"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "notify_pref"
