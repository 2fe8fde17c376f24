"""/dev/phone in the embedded default: the page (self-contained, no CDN), replies through
the inbound path, the threads; 404 in production mode."""

import asyncio
import re
from typing import Any

from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from adapters.console.subscriptions import DevPhone
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from tests.conftest import make_settings
from tests.support.auth import bearer
from tests.support.notifications import client
from tests.support.problems import assert_problem

__all__ = ["client"]  # a fixture: the app with its delivery engine and inbound task

Client = AsyncTestClient[Any]
PHONE = "+15105552054"


async def thread(container: AsyncContainer, count: int) -> list[tuple[str, str]]:
    phone = await container.get(DevPhone)
    for _ in range(300):
        messages = phone.threads().get(PHONE, [])
        if len(messages) >= count:
            return [(m.direction, m.body) for m in messages]
        await asyncio.sleep(0.02)
    raise AssertionError(f"the thread has {phone.threads()}")


async def test_the_page_needs_nothing_from_elsewhere(client: Client) -> None:
    page = await client.get("/dev/phone")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'new EventSource("/dev/phone/events")' in page.text
    assert re.findall(r"(?:src|href)=\"https?://", page.text) == []
    assert "http://" not in page.text
    assert "https://" not in page.text


async def test_a_reply_goes_the_inbound_way(client: Client, container: AsyncContainer) -> None:
    ann = await bearer(client, "ann")
    made = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    assert made.status_code == 202
    [(direction, body)] = await thread(container, 1)
    assert direction == "out"
    assert "Reply YES to confirm" in body
    sent = await client.post(f"/dev/phone/{PHONE}/replies", json={"body": "YES"})
    assert sent.status_code == 202, sent.text
    assert sent.json()["message_sid"].startswith("SMdev")
    messages = await thread(container, 3)
    assert messages[1] == ("in", "YES")
    assert "you are subscribed" in messages[2][1]
    sid = made.json()["id"]
    detail = (await client.get(f"/subscriptions/{sid}", headers=ann)).json()
    assert detail["status"] == "active"


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
