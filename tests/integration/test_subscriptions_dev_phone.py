"""/dev/phone in the embedded default: the page (self-contained, no CDN), replies through
the inbound path, the threads; 404 in production mode."""

import asyncio
import re
from typing import Any

from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.auth import bearer
from tests.support.notifications import client
from tests.support.problems import assert_problem

__all__ = ["client"]  # a fixture: the app with its delivery engine and inbound task

Client = AsyncTestClient[Any]
PHONE = "+15105552054"


async def conversation(client: Client, headers: dict[str, str], sid: str, count: int) -> Any:
    """The subscription once its conversation holds `count` messages. (Read over HTTP: the
    app runs in a loop of its own, which the container's locks must not be shared with.)"""
    body: Any = {}
    for _ in range(300):
        body = (await client.get(f"/subscriptions/{sid}", headers=headers)).json()
        if len(body["messages"]) >= count:
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"the conversation stayed {body}")


async def test_the_page_needs_nothing_from_elsewhere(client: Client) -> None:
    page = await client.get("/dev/phone")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'new EventSource("/dev/phone/events")' in page.text
    assert re.findall(r"(?:src|href)=\"https?://", page.text) == []
    assert "http://" not in page.text
    assert "https://" not in page.text


async def test_a_reply_goes_the_inbound_way(client: Client) -> None:
    ann = await bearer(client, "ann")
    made = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    assert made.status_code == 202
    sid = made.json()["id"]
    sent = await client.post(f"/dev/phone/{PHONE}/replies", json={"body": "YES"})
    assert sent.status_code == 202, sent.text
    assert sent.json()["message_sid"].startswith("SMdev")
    await conversation(client, ann, sid, 3)
    # Read again once the third message shows: on SQLite a read's statements are not one
    # snapshot (pysqlite begins no transaction for a SELECT), so the read that first saw
    # the messages may have read the subscription before the worker's commit (seen
    # under load: 'pending').
    body = await conversation(client, ann, sid, 3)
    assert body["status"] == "active"
    first, reply, answer = body["messages"][:3]
    assert (first["direction"], first["kind"]) == ("outbound", "confirmation")
    assert (reply["direction"], reply["body"], reply["message_sid"]) == (
        "inbound",
        "YES",
        sent.json()["message_sid"],
    )
    assert answer["kind"] == "confirmed"


async def test_bad_replies_are_refused(client: Client) -> None:
    bad_number = await client.post("/dev/phone/12/replies", json={"body": "YES"})
    assert assert_problem(bad_number, 422)["errors"][0]["field"] == "number"
    too_long = await client.post(f"/dev/phone/{PHONE}/replies", json={"body": "x" * 1601})
    assert_problem(too_long, 422)
    assert_problem(await client.post(f"/dev/phone/{PHONE}/replies", json={}), 422)


async def test_no_dev_phone_in_production_mode(sqlite_url: str) -> None:
    settings = make_settings(
        sqlite_url,
        broker_url="redis://127.0.0.1:6379/5",
        jwt_secret="x7Gk2pQ9vLm4Rt8wZc1Nb6Hy3Jd5Fs0Ae",
        sms_provider="console",
        email_provider="console",
    )
    container = make_container(settings)
    async with AsyncTestClient(create_app(settings, container)) as prod:
        assert_problem(await prod.get("/dev/phone"), 404)
        assert_problem(await prod.post(f"/dev/phone/{PHONE}/replies", json={"body": "hi"}), 404)
    await container.close()
