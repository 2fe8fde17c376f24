"""Read markers, unread counts, delivery, edits, deletes and reactions through the app."""

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.conftest import replace_settings
from tests.support.auth import bearer
from tests.support.databases import migrated_empty
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
Headers = dict[str, str]


@pytest.fixture
async def ann(client: Client) -> Headers:
    return await bearer(client, "ann")


@pytest.fixture
async def bugs(client: Client) -> Headers:
    return await bearer(client, "bugs")


async def send(client: Client, who: Headers, to: str, body: str) -> dict[str, Any]:
    r = await client.post(
        "/api/messages", headers=who, json={"recipient_user_name": to, "body": body}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def unread(client: Client, who: Headers) -> list[int]:
    return [
        c["unread"] for c in (await client.get("/api/conversations", headers=who)).json()["items"]
    ]


async def test_read_markers_move_forward_only_and_unread_counts_follow(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    sent = [await send(client, ann, "bugs", f"m{i}") for i in range(4)]
    path = f"/api/conversations/{sent[0]['conversation_id']}/read"
    assert await unread(client, bugs) == [4]
    r = await client.post(path, headers=bugs, json={"up_to": sent[1]["id"]})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "conversation_id": sent[0]["conversation_id"],
        "up_to": sent[1]["id"],
        "unread": 2,
    }
    back = await client.post(path, headers=bugs, json={"up_to": sent[0]["id"]})
    assert back.json()["up_to"] == sent[1]["id"]  # not moved back
    assert back.json()["unread"] == 2
    page = (await client.get("/api/messages/ann", headers=bugs)).json()["items"]
    read = {m["body"]: m["read_at"] is not None for m in page}
    assert read == {"m0": True, "m1": True, "m2": False, "m3": False}
    # The sender sees when the recipient read it.
    mine = {
        m["body"]: m["read_at"]
        for m in (await client.get("/api/messages/bugs", headers=ann)).json()["items"]
    }
    assert mine["m1"] is not None
    assert mine["m2"] is None
    assert await unread(client, ann) == [0]  # one's own messages are never unread
    await client.post(path, headers=bugs, json={"up_to": sent[3]["id"]})
    assert await unread(client, bugs) == [0]


async def test_bad_read_markers(client: Client, ann: Headers, bugs: Headers) -> None:
    daffy = await bearer(client, "daffy")
    first = await send(client, ann, "bugs", "hi")
    other = await send(client, ann, "daffy", "hey")
    path = f"/api/conversations/{first['conversation_id']}/read"
    assert_problem(await client.post(path, headers=bugs, json={"up_to": "nope"}), 422)
    assert_problem(await client.post(path, headers=bugs, json={"up_to": other["id"]}), 404)
    assert_problem(await client.post(path, headers=daffy, json={"up_to": first["id"]}), 403)


async def test_a_fetch_delivers(client: Client, ann: Headers, bugs: Headers) -> None:
    sent = await send(client, ann, "bugs", "hi")
    assert sent["delivered_at"] is None
    before = (await client.get("/api/messages/bugs", headers=ann)).json()["items"][0]
    assert before["delivered_at"] is None  # the sender's own fetch delivers nothing
    got = (
        await client.get(f"/api/conversations/{sent['conversation_id']}/messages", headers=bugs)
    ).json()
    delivered = got["items"][0]["delivered_at"]
    assert delivered is not None
    assert got["items"][0]["read_at"] is None
    after = (await client.get("/api/messages/bugs", headers=ann)).json()["items"][0]
    assert after["delivered_at"] == delivered
    again = (await client.get("/api/messages/ann", headers=bugs)).json()["items"][0]
    assert again["delivered_at"] == delivered  # the first delivery stays


async def test_edits_by_the_sender_within_the_window(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    sent = await send(client, ann, "bugs", "helo")
    path = f"/api/conversations/{sent['conversation_id']}/messages/{sent['id']}"
    edited = await client.patch(path, headers=ann, json={"body": "hello \U0001f955"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "hello \U0001f955"
    assert edited.json()["edited_at"] is not None
    seen = (await client.get("/api/messages/ann", headers=bugs)).json()["items"][0]
    assert (seen["body"], seen["edited_at"]) == ("hello \U0001f955", edited.json()["edited_at"])
    assert_problem(await client.patch(path, headers=bugs, json={"body": "mine now"}), 403)
    assert_problem(await client.patch(path, headers=ann, json={"body": "a\u0000"}), 422)


async def test_no_edits_past_the_window(settings: Settings) -> None:
    closed = replace_settings(settings, messages_edit_window_seconds=0)
    container = make_container(closed)
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(closed, container)) as client:
        ann = await bearer(client, "ann")
        await bearer(client, "bugs")
        sent = await send(client, ann, "bugs", "helo")
        path = f"/api/conversations/{sent['conversation_id']}/messages/{sent['id']}"
        late = await client.patch(path, headers=ann, json={"body": "hello"})
        assert "0 seconds" in assert_problem(late, 409)["detail"]
    await container.close()


async def test_deletes_leave_a_tombstone(client: Client, ann: Headers, bugs: Headers) -> None:
    sent = await send(client, ann, "bugs", "oops")
    path = f"/api/conversations/{sent['conversation_id']}/messages/{sent['id']}"
    await client.put(f"{path}/reactions/%F0%9F%98%82", headers=bugs)
    assert_problem(await client.delete(path, headers=bugs), 403)
    assert (await client.delete(path, headers=ann)).status_code == 204
    assert (await client.delete(path, headers=ann)).status_code == 204
    gone = (await client.get("/api/messages/ann", headers=bugs)).json()["items"][0]
    assert (gone["id"], gone["deleted"], gone["body"], gone["attachments"], gone["reactions"]) == (
        sent["id"],
        True,
        "",
        [],
        [],
    )
    assert_problem(await client.patch(path, headers=ann, json={"body": "back"}), 409)
    assert_problem(await client.put(f"{path}/reactions/x", headers=bugs), 409)
    unknown = f"/api/conversations/{sent['conversation_id']}/messages/{sent['conversation_id']}"
    assert_problem(await client.delete(unknown, headers=ann), 404)


async def test_reactions_one_per_emoji_per_user_with_counts(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    sent = await send(client, ann, "bugs", "carrots!")
    path = f"/api/conversations/{sent['conversation_id']}/messages/{sent['id']}/reactions"
    carrot, family = "%F0%9F%A5%95", "%F0%9F%91%A8%E2%80%8D%F0%9F%91%A9%E2%80%8D%F0%9F%91%A7"
    assert (await client.put(f"{path}/{carrot}", headers=bugs)).status_code == 200
    again = await client.put(f"{path}/{carrot}", headers=bugs)
    assert again.json()["reactions"] == [{"emoji": "\U0001f955", "count": 1, "mine": True}]
    await client.put(f"{path}/{carrot}", headers=ann)
    both = await client.put(f"{path}/{family}", headers=ann)
    assert both.json()["reactions"] == [
        {"emoji": "\U0001f955", "count": 2, "mine": True},
        {"emoji": "\U0001f468\u200d\U0001f469\u200d\U0001f467", "count": 1, "mine": True},
    ]
    seen = (await client.get("/api/messages/ann", headers=bugs)).json()["items"][0]["reactions"]
    assert [(r["count"], r["mine"]) for r in seen] == [(2, True), (1, False)]
    removed = await client.delete(f"{path}/{carrot}", headers=bugs)
    assert removed.json()["reactions"][0] == {"emoji": "\U0001f955", "count": 1, "mine": False}
    assert (await client.delete(f"{path}/{carrot}", headers=bugs)).status_code == 200
    assert_problem(await client.put(f"{path}/a%20b", headers=bugs), 422)
    assert_problem(await client.put(f"{path}/{'x' * 33}", headers=bugs), 422)
    stranger = await bearer(client, "daffy")
    assert_problem(await client.put(f"{path}/{carrot}", headers=stranger), 403)
