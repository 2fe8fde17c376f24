"""Messages and conversations through the whole app: /api/messages, /api/conversations."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from adapters.sql.database import make_engine
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import bearer
from tests.support.databases import migrated_empty
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
Headers = dict[str, str]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Both stores: on PostgreSQL the pages come rendered by the database."""
    return make_settings(database_url)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[AsyncContainer]:
    """The production container on an empty database; its connections are opened by the
    app's loop (asyncpg's belong to the loop that opened them)."""
    engine = make_engine(settings.database.url, pool_size=1)
    await migrated_empty(engine)
    await engine.dispose()
    container = make_container(settings)
    yield container
    await container.close()


@pytest.fixture
async def ann(client: Client) -> Headers:
    return await bearer(client, "ann")


@pytest.fixture
async def bugs(client: Client) -> Headers:
    return await bearer(client, "bugs")


def errors(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["field"]: e["message"] for e in body["errors"]}


async def send(client: Client, who: Headers, to: str, body: str, **more: Any) -> dict[str, Any]:
    r = await client.post(
        "/api/messages", headers=who, json={"recipient_user_name": to, "body": body, **more}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_message_round_trips_exactly_and_reaches_both_sides(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    texts = [
        "it's Bugs' \"carrot\"",  # the seed stored ' doubled
        "\U0001f955\U0001f430 emoji",
        "family \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 ZWJ",
        "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 RTL",
        "  blanks kept  \n",
    ]
    for text in texts:
        sent = await send(client, ann, "bugs", text)
        assert sent["body"] == text
        assert sent["sender"] == "ann"
    mine = (await client.get("/api/messages/ann", headers=ann)).json()
    assert [m["body"] for m in mine["items"]] == texts[::-1]
    theirs = (await client.get("/api/messages/ann", headers=bugs)).json()
    assert [m["body"] for m in theirs["items"]] == texts[::-1]
    first = mine["items"][-1]
    assert set(first) == {
        "id",
        "conversation_id",
        "sender",
        "body",
        "attachments",
        "reactions",
        "created_at",
        "edited_at",
        "deleted",
        "delivered_at",
        "read_at",
        "client_msg_id",
    }
    assert first["created_at"].endswith("Z")
    assert (first["deleted"], first["edited_at"], first["read_at"]) == (False, None, None)
    # One direct conversation, whoever writes.
    back = await send(client, bugs, "ANN", "what's up, doc?")
    assert back["conversation_id"] == first["conversation_id"]


async def test_the_sender_is_the_caller(client: Client, ann: Headers, bugs: Headers) -> None:
    ok = await send(client, ann, "bugs", "hi", sender_user_name="ann")
    assert ok["sender"] == "ann"
    r = await client.post(
        "/api/messages",
        headers=ann,
        json={"recipient_user_name": "bugs", "body": "hi", "sender_user_name": "bugs"},
    )
    assert_problem(r, 403)
    assert_problem(
        await client.post("/api/messages", json={"recipient_user_name": "bugs", "body": "x"}), 401
    )


async def test_unknown_recipients_are_404s_and_self_is_422(client: Client, ann: Headers) -> None:
    for name in ["fakeuser", "no such user!"]:
        r = await client.post(
            "/api/messages", headers=ann, json={"recipient_user_name": name, "body": "x"}
        )
        assert "no user named" in assert_problem(r, 404)["detail"]
        assert_problem(await client.get(f"/api/messages/{name}", headers=ann), 404)
    me = await client.post(
        "/api/messages", headers=ann, json={"recipient_user_name": "ann", "body": "x"}
    )
    assert set(errors(me)) == {"recipient_user_name"}


async def test_bad_bodies_are_422s_naming_each_field(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    def post(**body: Any) -> Any:
        return client.post(
            "/api/messages", headers=ann, json={"recipient_user_name": "bugs", **body}
        )

    assert set(errors(await post(body="a\u0000b"))) == {"body"}
    assert set(errors(await post(body="x" * 4001))) == {"body"}
    assert (await post(body="x" * 4000)).status_code == 201
    # 3,001 four-byte emoji: within 4,000 code points, over 12,000 bytes.
    assert "bytes" in errors(await post(body="\U0001f955" * 3001))["body"]
    assert (await post(body="\U0001f955" * 3000)).status_code == 201
    assert (await post(body="   ")).status_code == 201  # blanks are text too
    bad = await post(
        body="look",
        attachments=[
            {"url": "http://example.com/a.gif", "content_type": "image/gif"},
            {"url": "https://example.com/b.gif", "content_type": "not a type"},
            {"url": "https://example.com/c.gif", "content_type": "image/gif", "width": 0},
        ],
        client_msg_id="has spaces",
    )
    assert set(errors(bad)) == {
        "attachments[0]",
        "attachments[1]",
        "attachments[2]",
        "client_msg_id",
    }
    many = [{"url": f"https://e.com/{i}.gif", "content_type": "image/gif"} for i in range(11)]
    assert set(errors(await post(body="x", attachments=many))) == {"attachments"}
    assert (await post(body=1)).status_code == 422
    assert (await post(body="x", extra=True)).status_code == 422


async def test_a_gif_is_an_image_link(client: Client, ann: Headers, bugs: Headers) -> None:
    gif = {
        "url": "https://media.example.com/carrot.gif",
        "content_type": "image/gif",
        "width": 480,
        "height": 270,
    }
    sent = await send(client, ann, "bugs", "", attachments=[gif])
    assert sent["attachments"] == [gif]
    got = (await client.get("/api/messages/ann", headers=bugs)).json()["items"][0]
    assert (got["body"], got["attachments"]) == ("", [gif])


async def test_a_retried_send_returns_the_first_message(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    first = await send(client, ann, "bugs", "once", client_msg_id="c-1")
    again = await client.post(
        "/api/messages",
        headers=ann,
        json={"recipient_user_name": "bugs", "body": "once", "client_msg_id": "c-1"},
    )
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    keyed = await client.post(
        "/api/messages",
        headers={**ann, "Idempotency-Key": "c-2"},
        json={"recipient_user_name": "bugs", "body": "twice"},
    )
    assert keyed.status_code == 201
    retried = await client.post(
        "/api/messages",
        headers={**ann, "Idempotency-Key": "c-2"},
        json={"recipient_user_name": "bugs", "body": "twice"},
    )
    assert (retried.status_code, retried.json()["id"]) == (200, keyed.json()["id"])
    clash = await client.post(
        "/api/messages",
        headers={**ann, "Idempotency-Key": "c-3"},
        json={"recipient_user_name": "bugs", "body": "x", "client_msg_id": "c-4"},
    )
    assert set(errors(clash)) == {"client_msg_id"}
    stored = (await client.get("/api/messages/bugs", headers=ann)).json()["items"]
    assert [m["body"] for m in stored] == ["twice", "once"]
    # Bob's own "c-1" is his, not Ann's.
    assert (await send(client, bugs, "ann", "mine", client_msg_id="c-1"))["body"] == "mine"


async def test_messages_with_a_user_are_that_conversation_paged_newest_first(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    daffy = await bearer(client, "daffy")
    for i in range(5):
        await send(client, ann, "bugs", f"to bugs {i}")
    await send(client, daffy, "ann", "from daffy")
    with_bugs = (await client.get("/api/messages/bugs", headers=ann, params={"limit": 3})).json()
    assert [m["body"] for m in with_bugs["items"]] == ["to bugs 4", "to bugs 3", "to bugs 2"]
    rest = await client.get(
        "/api/messages/bugs", headers=ann, params={"limit": 3, "cursor": with_bugs["next_cursor"]}
    )
    assert [m["body"] for m in rest.json()["items"]] == ["to bugs 1", "to bugs 0"]
    assert rest.json()["next_cursor"] is None
    everything = (await client.get("/api/messages/ann", headers=ann, params={"limit": 2})).json()
    assert [m["body"] for m in everything["items"]] == ["from daffy", "to bugs 4"]
    # Daffy and Bugs never wrote to each other; no one reads Ann's with Bugs but them.
    assert (await client.get("/api/messages/bugs", headers=daffy)).json()["items"] == []
    assert len((await client.get("/api/messages/daffy", headers=daffy)).json()["items"]) == 1


async def test_reading_your_messages_delivers_them_once(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    sent = await send(client, ann, "bugs", "hi")
    [own] = (await client.get("/api/messages/bugs", headers=ann)).json()["items"]
    assert own["delivered_at"] is None  # the sender's own read delivers nothing
    [got] = (await client.get("/api/messages/ann", headers=bugs)).json()["items"]
    assert got["id"] == sent["id"]
    delivered = got["delivered_at"]
    assert delivered is not None
    for path, who in (("/api/messages/bugs", ann), ("/api/messages/bugs", bugs)):
        [again] = (await client.get(path, headers=who)).json()["items"]
        assert again["delivered_at"] == delivered  # the first delivery stays


async def test_since_bounds_the_window(client: Client, ann: Headers, bugs: Headers) -> None:
    await send(client, ann, "bugs", "now")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await client.get("/api/messages/ann", headers=ann, params={"since": future})).json()[
        "items"
    ] == []
    past = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    assert (
        len(
            (await client.get("/api/messages/ann", headers=ann, params={"since": past})).json()[
                "items"
            ]
        )
        == 1
    )
    for params in ({"since": "2026-01-01T00:00:00"}, {"cursor": "!!"}):
        bad = await client.get("/api/messages/ann", headers=ann, params=params)
        assert set(errors(bad)) == set(params)


async def test_groups_members_roles_and_posting(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    daffy = await bearer(client, "daffy")
    elmer = await bearer(client, "elmer")
    made = await client.post(
        "/api/conversations",
        headers=ann,
        json={"title": " Carrot club ", "members": ["bugs", "Daffy", "ann"]},
    )
    assert made.status_code == 201, made.text
    group = made.json()
    assert (group["kind"], group["title"]) == ("group", "Carrot club")
    assert [(m["username"], m["role"]) for m in group["members"]] == [
        ("ann", "owner"),
        ("bugs", "member"),
        ("daffy", "member"),
    ]
    path = f"/api/conversations/{group['id']}"
    posted = await client.post(f"{path}/messages", headers=bugs, json={"body": "eh"})
    assert posted.status_code == 201, posted.text
    assert_problem(await client.post(f"{path}/messages", headers=elmer, json={"body": "x"}), 403)
    assert_problem(await client.get(f"{path}/messages", headers=elmer), 403)
    # Members add nobody; owners do.
    assert_problem(
        await client.post(f"{path}/members", headers=bugs, json={"members": ["elmer"]}), 403
    )
    added = await client.post(f"{path}/members", headers=ann, json={"members": ["elmer", "bugs"]})
    assert added.status_code == 200, added.text
    assert [m["username"] for m in added.json()] == ["ann", "bugs", "daffy", "elmer"]
    assert (await client.get(f"{path}/messages", headers=elmer)).status_code == 200
    # Members remove nobody else; owners do; anyone leaves.
    assert_problem(await client.delete(f"{path}/members/daffy", headers=bugs), 403)
    assert (await client.delete(f"{path}/members/daffy", headers=ann)).status_code == 204
    assert (await client.delete(f"{path}/members/elmer", headers=elmer)).status_code == 204
    assert_problem(await client.delete(f"{path}/members/daffy", headers=ann), 404)
    # The last owner leaving hands the group on.
    assert (await client.delete(f"{path}/members/ann", headers=ann)).status_code == 204
    listed = (await client.get("/api/conversations", headers=bugs)).json()["items"]
    assert [(m["username"], m["role"]) for m in listed[0]["members"]] == [("bugs", "owner")]
    assert_problem(await client.get(f"{path}/messages", headers=daffy), 403)


async def test_bad_groups_are_422s(client: Client, ann: Headers) -> None:
    bad = await client.post("/api/conversations", headers=ann, json={"title": " ", "members": []})
    assert set(errors(bad)) == {"title"}
    unknown_members = await client.post(
        "/api/conversations", headers=ann, json={"title": "G", "members": ["nobody", "!!"]}
    )
    assert assert_problem(unknown_members, 404)["detail"] == "no user named 'nobody', '!!'"
    unknown = f"/api/conversations/{'0' * 8}-0000-7000-8000-{'0' * 12}"
    assert_problem(await client.get(f"{unknown}/messages", headers=ann), 404)
    assert_problem(await client.post(f"{unknown}/messages", headers=ann, json={"body": "x"}), 404)
    assert (
        await client.get("/api/conversations/not-a-uuid/messages", headers=ann)
    ).status_code in (404, 422)


async def test_a_direct_conversation_takes_posts_but_no_members(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    first = await send(client, ann, "bugs", "hi")
    path = f"/api/conversations/{first['conversation_id']}"
    assert (
        await client.post(f"{path}/messages", headers=bugs, json={"body": "hey"})
    ).status_code == 201
    assert_problem(
        await client.post(f"{path}/members", headers=ann, json={"members": ["bugs"]}), 409
    )
    assert_problem(await client.delete(f"{path}/members/bugs", headers=ann), 409)


async def test_conversation_messages_page_by_id_both_ways(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    ids = [(await send(client, ann, "bugs", f"m{i}"))["id"] for i in range(5)]
    conversation = (await client.get("/api/messages/bugs", headers=ann)).json()["items"][0][
        "conversation_id"
    ]
    path = f"/api/conversations/{conversation}/messages"
    latest = (await client.get(path, headers=bugs, params={"limit": 2})).json()
    assert [m["body"] for m in latest["items"]] == ["m4", "m3"]
    assert latest["next_cursor"] == ids[3]
    older = (await client.get(path, headers=bugs, params={"before": latest["next_cursor"]})).json()
    assert [m["body"] for m in older["items"]] == ["m2", "m1", "m0"]
    newer = (await client.get(path, headers=bugs, params={"after": ids[1], "limit": 2})).json()
    assert [m["body"] for m in newer["items"]] == ["m2", "m3"]
    between = (
        await client.get(path, headers=bugs, params={"after": ids[0], "before": ids[3]})
    ).json()
    assert [m["body"] for m in between["items"]] == ["m2", "m1"]
    bad = await client.get(path, headers=bugs, params={"before": "x", "after": "y"})
    assert set(errors(bad)) == {"before", "after"}


async def test_conversations_list_by_latest_activity_with_last_message(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    await bearer(client, "daffy")
    await send(client, ann, "bugs", "to bugs")
    group = (
        await client.post(
            "/api/conversations", headers=ann, json={"title": "G", "members": ["daffy"]}
        )
    ).json()
    await send(client, ann, "daffy", "to daffy")
    listed = (await client.get("/api/conversations", headers=ann, params={"limit": 2})).json()
    assert [c["kind"] for c in listed["items"]] == ["direct", "group"]
    assert listed["items"][0]["last_message"]["body"] == "to daffy"
    assert listed["items"][1]["id"] == group["id"]
    assert listed["items"][1]["last_message"] is None
    rest = (
        await client.get(
            "/api/conversations", headers=ann, params={"cursor": listed["next_cursor"]}
        )
    ).json()
    assert [c["last_message"]["body"] for c in rest["items"]] == ["to bugs"]
    assert rest["next_cursor"] is None
    theirs = (await client.get("/api/conversations", headers=bugs)).json()["items"]
    assert [(c["unread"], c["last_message"]["body"]) for c in theirs] == [(1, "to bugs")]
