"""Blocks, contacts, contacts-only direct messages and the send rate limit, through the app."""

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
REFUSED = "this user does not take your messages"


@pytest.fixture
async def ann(client: Client) -> Headers:
    return await bearer(client, "ann")


@pytest.fixture
async def bugs(client: Client) -> Headers:
    return await bearer(client, "bugs")


def message(to: str, body: str = "hi") -> dict[str, str]:
    return {"recipient_user_name": to, "body": body}


async def names(client: Client, who: Headers, path: str = "/api/users") -> list[str]:
    items = (await client.get(path, headers=who)).json()["items"]
    return [i["username"] if "username" in i else i["user"]["username"] for i in items]


async def test_a_block_stops_direct_messages_both_ways_and_hides_each(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    first = await client.post("/api/messages", headers=bugs, json=message("ann"))
    assert first.status_code == 201
    blocked = await client.put("/api/blocks/bugs", headers=ann)
    assert blocked.status_code == 201, blocked.text
    assert blocked.json()["username"] == "bugs"
    assert (await client.put("/api/blocks/BUGS", headers=ann)).status_code == 200
    for who, to in [(bugs, "ann"), (ann, "bugs")]:
        r = await client.post("/api/messages", headers=who, json=message(to))
        assert assert_problem(r, 403)["detail"] == REFUSED
    path = f"/api/conversations/{first.json()['conversation_id']}/messages"
    assert (
        assert_problem(await client.post(path, headers=bugs, json={"body": "x"}), 403)["detail"]
        == REFUSED
    )
    assert await names(client, ann) == ["ann"]
    assert await names(client, bugs) == ["bugs"]
    assert await names(client, ann, "/api/blocks") == ["bugs"]
    assert await names(client, bugs, "/api/blocks") == []
    # The history stays readable.
    assert len((await client.get("/api/messages/bugs", headers=ann)).json()["items"]) == 1
    assert (await client.delete("/api/blocks/bugs", headers=ann)).status_code == 204
    assert (await client.delete("/api/blocks/bugs", headers=ann)).status_code == 204
    assert (
        await client.post("/api/messages", headers=bugs, json=message("ann"))
    ).status_code == 201
    assert await names(client, ann) == ["ann", "bugs"]


async def test_bad_blocks(client: Client, ann: Headers) -> None:
    assert_problem(await client.put("/api/blocks/ann", headers=ann), 422)
    assert_problem(await client.put("/api/blocks/nobody", headers=ann), 404)
    assert_problem(await client.delete("/api/blocks/nobody", headers=ann), 404)
    assert_problem(await client.put("/api/blocks/bugs"), 401)


async def test_contacts_only_takes_direct_messages_from_contacts(
    client: Client, ann: Headers, bugs: Headers
) -> None:
    daffy = await bearer(client, "daffy")
    r = await client.patch("/me", headers=ann, json={"contacts_only": True})
    assert r.json()["contacts_only"] is True
    refused = await client.post("/api/messages", headers=bugs, json=message("ann"))
    assert assert_problem(refused, 403)["detail"] == REFUSED
    # Ann may still write to anyone.
    assert (
        await client.post("/api/messages", headers=ann, json=message("daffy"))
    ).status_code == 201
    asked = await client.put("/api/contacts/ann", headers=bugs)
    assert asked.status_code == 200, asked.text
    assert (asked.json()["user"]["username"], asked.json()["status"]) == ("ann", "requested")
    assert_problem(await client.post("/api/messages", headers=bugs, json=message("ann")), 403)
    listed = (await client.get("/api/contacts", headers=ann)).json()["items"]
    assert [(c["user"]["username"], c["status"]) for c in listed] == [("bugs", "pending")]
    accepted = await client.put("/api/contacts/bugs", headers=ann)
    assert accepted.json()["status"] == "contact"
    assert (
        await client.post("/api/messages", headers=bugs, json=message("ann"))
    ).status_code == 201
    assert_problem(await client.post("/api/messages", headers=daffy, json=message("ann")), 403)
    # Ending the contact ends the exception; Ann's side stays pending for Bugs.
    assert (await client.delete("/api/contacts/ann", headers=bugs)).status_code == 204
    assert_problem(await client.post("/api/messages", headers=bugs, json=message("ann")), 403)
    theirs = (await client.get("/api/contacts", headers=bugs)).json()["items"]
    assert [(c["user"]["username"], c["status"]) for c in theirs] == [("ann", "pending")]
    await client.patch("/me", headers=ann, json={"contacts_only": False})
    assert (
        await client.post("/api/messages", headers=daffy, json=message("ann"))
    ).status_code == 201


async def test_bad_contacts(client: Client, ann: Headers, bugs: Headers) -> None:
    assert_problem(await client.put("/api/contacts/ann", headers=ann), 422)
    assert_problem(await client.put("/api/contacts/nobody", headers=ann), 404)
    await client.put("/api/blocks/ann", headers=bugs)
    assert (
        assert_problem(await client.put("/api/contacts/bugs", headers=ann), 403)["detail"]
        == REFUSED
    )


async def test_sends_are_rate_limited_per_user(settings: Settings) -> None:
    limited = replace_settings(settings, messages_send_rate_limit=2)
    container = make_container(limited)
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(limited, container)) as client:
        ann, bugs = await bearer(client, "ann"), await bearer(client, "bugs")
        for body in ["one", "two"]:
            r = await client.post(
                "/api/messages", headers=ann, json={**message("bugs", body), "client_msg_id": body}
            )
            assert r.status_code == 201
        over = await client.post("/api/messages", headers=ann, json=message("bugs", "three"))
        assert_problem(over, 429)
        assert 1 <= int(over.headers["retry-after"]) <= 60
        # A retry of a stored send is answered, not counted.
        again = await client.post(
            "/api/messages", headers=ann, json={**message("bugs", "one"), "client_msg_id": "one"}
        )
        assert again.status_code == 200
        conversation = again.json()["conversation_id"]
        assert_problem(
            await client.post(
                f"/api/conversations/{conversation}/messages", headers=ann, json={"body": "x"}
            ),
            429,
        )
        assert (
            await client.post("/api/messages", headers=bugs, json=message("ann"))
        ).status_code == 201
    await container.close()
