"""Topics through the whole app: /topics, their subscribers, and /me/topics."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from tests.support.auth import admin_bearer, bearer
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
TOPIC = {"name": "Shipped orders", "description": "When an order leaves", "self_service": False}


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    return await admin_bearer(client, container)


def errors(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["field"]: e["message"] for e in body["errors"]}


async def recipients(client: Client, admin: dict[str, str], *external_ids: str) -> None:
    items = [{"external_id": e, "email": f"{e}@example.com"} for e in external_ids]
    r = await client.post("/recipients/bulk", headers=admin, json={"items": items})
    assert r.status_code == 200, r.text


async def subscribers(client: Client, admin: dict[str, str], key: str) -> list[dict[str, Any]]:
    r = await client.get(f"/topics/{key}/subscribers", headers=admin, params={"limit": 100})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_put_creates_then_replaces_and_get_counts(
    client: Client, admin: dict[str, str]
) -> None:
    created = await client.put("/topics/orders.shipped", json=TOPIC, headers=admin)
    assert created.status_code == 201, created.text
    out = created.json()
    assert {k: out[k] for k in TOPIC} == TOPIC
    assert out["key"] == "orders.shipped"
    assert out["created_at"] == out["updated_at"]
    replaced = await client.put(
        "/topics/orders.shipped", json={"name": " Orders ", "self_service": True}, headers=admin
    )
    assert replaced.status_code == 200
    again = replaced.json()
    assert (again["name"], again["description"], again["self_service"]) == ("Orders", "", True)
    assert again["created_at"] == out["created_at"]
    await recipients(client, admin, "crm-1", "crm-2")
    await client.post(
        "/topics/orders.shipped/subscribers", headers=admin, json={"recipients": ["crm-1"]}
    )
    got = await client.get("/topics/orders.shipped", headers=admin)
    assert got.status_code == 200
    assert got.json() == {**again, "subscribers": 1}


async def test_bad_topics_are_422s_naming_each_field(client: Client, admin: dict[str, str]) -> None:
    bad = await client.put(
        "/topics/Orders!",
        json={"name": " ", "description": "x" * 501},
        headers=admin,
    )
    assert set(errors(bad)) == {"key", "name", "description"}
    long_key = await client.put(f"/topics/{'a' * 101}", json=TOPIC, headers=admin)
    assert set(errors(long_key)) == {"key"}
    shapeless = await client.put("/topics/x", json={"self_service": 1}, headers=admin)
    assert errors(shapeless) == {"name": "is required"}


async def test_list_pages_in_key_order(client: Client, admin: dict[str, str]) -> None:
    for key in ["c", "a", "b"]:
        await client.put(f"/topics/{key}", json=TOPIC, headers=admin)
    first = (await client.get("/topics", params={"limit": 2}, headers=admin)).json()
    assert [t["key"] for t in first["items"]] == ["a", "b"]
    rest = await client.get("/topics", params={"cursor": first["next_cursor"]}, headers=admin)
    assert [t["key"] for t in rest.json()["items"]] == ["c"]
    assert rest.json()["next_cursor"] is None
    bad = await client.get("/topics", params={"cursor": "!!"}, headers=admin)
    assert set(errors(bad)) == {"cursor"}


async def test_unknown_topics_are_404_everywhere(client: Client, admin: dict[str, str]) -> None:
    body = {"recipients": ["crm-1"]}
    for method, path, json in [
        ("get", "/topics/nope", None),
        ("delete", "/topics/nope", None),
        ("post", "/topics/nope/subscribers", body),
        ("delete", "/topics/nope/subscribers", body),
        ("get", "/topics/nope/subscribers", None),
    ]:
        r = await client.request(method, path, headers=admin, json=json)
        assert assert_problem(r, 404)["detail"] == "no topic with key 'nope'", (method, path)


async def test_add_and_remove_are_idempotent_and_name_unknown_ids(
    client: Client, admin: dict[str, str]
) -> None:
    await client.put("/topics/orders", json=TOPIC, headers=admin)
    await recipients(client, admin, "crm-1", "crm-2", "crm-3")
    path = "/topics/orders/subscribers"
    added = await client.post(
        path, headers=admin, json={"recipients": ["crm-1", "ghost", "crm-2", "crm-1"]}
    )
    assert added.status_code == 200, added.text
    assert added.json() == {"added": 2, "unknown": ["ghost"]}
    again = await client.post(
        path, headers=admin, json={"recipients": ["crm-2", "crm-3"], "channels": ["email"]}
    )
    assert again.json() == {"added": 1, "unknown": []}
    listed = {s["external_id"]: s["channels"] for s in await subscribers(client, admin, "orders")}
    assert listed == {"crm-1": None, "crm-2": ["email"], "crm-3": ["email"]}
    removed = await client.request(
        "DELETE", path, headers=admin, json={"recipients": ["crm-1", "crm-1", "nobody"]}
    )
    assert removed.status_code == 200, removed.text
    assert removed.json() == {"removed": 1, "unknown": ["nobody"]}
    twice = await client.request("DELETE", path, headers=admin, json={"recipients": ["crm-1"]})
    assert twice.json() == {"removed": 0, "unknown": []}
    left = await subscribers(client, admin, "orders")
    assert sorted(s["external_id"] for s in left) == ["crm-2", "crm-3"]


async def test_a_thousand_ids_pass_and_one_more_is_a_422(
    client: Client, admin: dict[str, str]
) -> None:
    await client.put("/topics/orders", json=TOPIC, headers=admin)
    ids = [f"crm-{i}" for i in range(1001)]
    path = "/topics/orders/subscribers"
    for method in ("POST", "DELETE"):
        too_many = await client.request(method, path, headers=admin, json={"recipients": ids})
        assert errors(too_many) == {"recipients": "must hold 1 to 1000 external ids"}
        none = await client.request(method, path, headers=admin, json={"recipients": []})
        assert set(errors(none)) == {"recipients"}
    r = await client.post(path, headers=admin, json={"recipients": ids[:1000]})
    assert r.json() == {"added": 0, "unknown": ids[:1000]}


async def test_bad_ids_and_channels_are_422s_naming_them(
    client: Client, admin: dict[str, str]
) -> None:
    await client.put("/topics/orders", json=TOPIC, headers=admin)
    path = "/topics/orders/subscribers"
    bad = await client.post(path, headers=admin, json={"recipients": ["ok", "a/b", ""]})
    assert set(errors(bad)) == {"recipients[1]", "recipients[2]"}
    for channels in ([], ["fax"], ["email", "email"]):
        r = await client.post(
            path, headers=admin, json={"recipients": ["ok"], "channels": channels}
        )
        assert set(errors(r)) == {"channels"}, channels
    unreadable = await client.post(path, headers=admin, json={"recipients": "crm-1"})
    assert set(errors(unreadable)) == {"recipients"}


async def test_subscribers_page_with_a_cursor(client: Client, admin: dict[str, str]) -> None:
    await client.put("/topics/orders", json=TOPIC, headers=admin)
    await recipients(client, admin, "crm-1", "crm-2", "crm-3")
    await client.post(
        "/topics/orders/subscribers",
        headers=admin,
        json={"recipients": ["crm-1", "crm-2", "crm-3"]},
    )
    path = "/topics/orders/subscribers"
    first = (await client.get(path, params={"limit": 2}, headers=admin)).json()
    rest = (await client.get(path, params={"cursor": first["next_cursor"]}, headers=admin)).json()
    seen = [s["external_id"] for s in first["items"] + rest["items"]]
    assert sorted(seen) == ["crm-1", "crm-2", "crm-3"]
    assert rest["next_cursor"] is None
    assert first["items"][0]["created_at"].endswith("Z")
    bad = await client.get(path, params={"cursor": "AAAA"}, headers=admin)
    assert set(errors(bad)) == {"cursor"}


async def test_delete_takes_the_subscriptions_not_the_recipients(
    client: Client, admin: dict[str, str]
) -> None:
    await client.put("/topics/orders", json=TOPIC, headers=admin)
    await recipients(client, admin, "crm-1")
    await client.post("/topics/orders/subscribers", headers=admin, json={"recipients": ["crm-1"]})
    assert (await client.delete("/topics/orders", headers=admin)).status_code == 204
    assert_problem(await client.get("/topics/orders", headers=admin), 404)
    assert (await client.get("/recipients/crm-1", headers=admin)).status_code == 200
    await client.put("/topics/orders", json=TOPIC, headers=admin)
    assert await subscribers(client, admin, "orders") == []


async def test_erasing_a_recipient_removes_its_subscriptions(
    client: Client, admin: dict[str, str]
) -> None:
    await client.put("/topics/orders", json=TOPIC, headers=admin)
    await recipients(client, admin, "crm-1", "crm-2")
    await client.post(
        "/topics/orders/subscribers", headers=admin, json={"recipients": ["crm-1", "crm-2"]}
    )
    assert (await client.delete("/recipients/crm-1", headers=admin)).status_code == 200
    assert [s["external_id"] for s in await subscribers(client, admin, "orders")] == ["crm-2"]
    assert (await client.get("/topics/orders", headers=admin)).json()["subscribers"] == 1


async def test_users_subscribe_themselves_to_self_service_topics(
    client: Client, admin: dict[str, str]
) -> None:
    await client.put("/topics/news", json={**TOPIC, "self_service": True}, headers=admin)
    await client.put("/topics/staff", json=TOPIC, headers=admin)
    ann = await bearer(client, "ann")
    listed = (await client.get("/me/topics", headers=ann)).json()
    assert [(t["key"], t["subscribed"]) for t in listed["items"]] == [("news", False)]
    joined = await client.put("/me/topics/news", headers=ann)
    assert joined.status_code == 201, joined.text
    assert joined.json()["key"] == "news"
    assert (await client.put("/me/topics/news", headers=ann)).status_code == 200
    assert [s["external_id"] for s in await subscribers(client, admin, "news")] == ["user:ann"]
    # Subscribed by an admin to a topic that is not self-service: listed, but theirs to keep.
    await client.post("/topics/staff/subscribers", headers=admin, json={"recipients": ["user:ann"]})
    listed = (await client.get("/me/topics", headers=ann)).json()
    assert [(t["key"], t["subscribed"]) for t in listed["items"]] == [
        ("news", True),
        ("staff", True),
    ]
    for method in ("PUT", "DELETE"):
        refused = await client.request(method, "/me/topics/staff", headers=ann)
        assert assert_problem(refused, 403)["detail"] == (
            "the topic 'staff' is not self-service: an admin manages its subscribers"
        )
        assert_problem(await client.request(method, "/me/topics/nope", headers=ann), 404)
    assert (await client.delete("/me/topics/news", headers=ann)).status_code == 204
    assert (await client.delete("/me/topics/news", headers=ann)).status_code == 204
    assert await subscribers(client, admin, "news") == []


async def test_me_topics_page_with_a_cursor(client: Client, admin: dict[str, str]) -> None:
    for key in ("a", "b", "c"):
        await client.put(f"/topics/{key}", json={**TOPIC, "self_service": True}, headers=admin)
    ann = await bearer(client, "ann")
    first = (await client.get("/me/topics", params={"limit": 2}, headers=ann)).json()
    rest = await client.get("/me/topics", params={"cursor": first["next_cursor"]}, headers=ann)
    assert [t["key"] for t in first["items"] + rest.json()["items"]] == ["a", "b", "c"]
    bad = await client.get("/me/topics", params={"cursor": "!"}, headers=ann)
    assert set(errors(bad)) == {"cursor"}
