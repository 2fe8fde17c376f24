"""Issue 16's flow in production mode, with real processes: PostgreSQL, Redis, `herald
serve`, `herald worker`, `herald scheduler`, the Twilio stub and the SendGrid stub.

Landbot's MessageHooks bring a customer's first message, its Webhook block asks for
help: one lead, its welcome email a second later, a ticket whose staff SMS reaches the
agent subscribed to `tickets.support`; the agent works it (a public reply emailed to
the customer) to `solved`, and once its reopening window is over the close task (the
one the scheduler sends every ten minutes, sent here at once) closes it."""

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from taskiq.kicker import AsyncKicker

from adapters.taskiq.stream_broker import StreamBroker
from tests.support.cluster import Cluster, wait_for_api
from tests.support.processes import free_port
from tests.support.redis import REDIS_URL, require_redis

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.timeout(150)]

T = TypeVar("T")
CUSTOMER = {"id": 161808359, "name": "Lena", "email": "lena@example.com", "phone": "+34600111222"}
HOOK = {
    "type": "text",
    "timestamp": 1764687600.5,
    "data": {"body": "Hi there"},
    "sender": {"id": 5, "name": "Lena", "type": "customer"},
    "customer": CUSTOMER,
    "channel": {"id": 1, "name": "Web", "type": "landbot"},
}
ASK = {
    "customer_id": CUSTOMER["id"],
    "name": "Lena",
    "email": "lena@example.com",
    "message": "My order has not arrived\nIt was due on Monday.",
}


async def eventually(read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """`read()` again until `done` holds of it (the workers act in their own time)."""
    for _ in range(300):
        value = await read()
        if done(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"still {value}")


async def test_a_landbot_customer_gets_a_ticket_worked_to_closed(postgres_url: str) -> None:
    await require_redis(REDIS_URL)
    port, token = free_port(), secrets.token_urlsafe(24)
    cluster = Cluster(
        "notify_landbot_flow",
        email=True,
        env={
            "HERALD_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "HERALD_LANDBOT_WEBHOOK_TOKEN": token,
            "HERALD_LEAD_WELCOME_DELAY_SECONDS": "1",
        },
    )
    landbot = {"Authorization": f"Token {token}"}
    emails_url = f"http://127.0.0.1:{cluster.email_stub_port}/_stub/messages"
    try:
        await cluster.start()
        cluster.start_api(port)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            await wait_for_api(client)
            agent = await cluster.agent_on_topic(client, "tickets.support")

            async def emails() -> list[dict[str, Any]]:
                return list((await client.get(emails_url)).json())

            async def leads() -> list[dict[str, Any]]:
                return list((await client.get("/leads", headers=agent)).json()["items"])

            hooked = await client.post(
                "/webhooks/landbot", json={"messages": [HOOK]}, headers=landbot
            )
            assert hooked.json() == {"stored": 1, "repeated": 0}, hooked.text
            [lead] = await eventually(leads, lambda found: len(found) == 1)  # by the worker
            asked = await client.post("/api/leads", json=ASK, headers=landbot)
            assert asked.status_code == 200, asked.text  # the same lead, found again
            assert asked.json()["lead"]["id"] == lead["id"]
            assert asked.json()["external_id"] == "landbot:161808359"

            # The staff are told by SMS; the lead is welcomed once, by email.
            staff = await eventually(cluster.received, lambda got: len(got) >= 1)
            assert [body for _, body in staff] == [
                "Ticket #1\nNew normal support ticket #1: My order has not arrived"
            ]
            [welcome] = await eventually(emails, lambda got: len(got) >= 1)
            assert (welcome["to"], welcome["subject"]) == (["lena@example.com"], "Welcome, Lena")

            # The agent works the ticket; the customer is emailed the public reply.
            took = {"status": "open", "assignee": "bench"}
            assert (await client.patch("/tickets/1", json=took, headers=agent)).status_code == 200
            reply = {"body": "A new one is on its way."}
            answer = await client.post("/tickets/1/comments", json=reply, headers=agent)
            assert answer.status_code == 201, answer.text
            await eventually(emails, lambda got: len(got) >= 2)
            solved = await client.patch("/tickets/1", json={"status": "solved"}, headers=agent)
            assert solved.json()["status"] == "solved", solved.text

            # Its reopening window (7 days) over, the close task closes it.
            db = await asyncpg.connect(cluster.db_url.replace("+asyncpg", ""))
            try:
                await db.execute("UPDATE tickets SET solved_at = solved_at - interval '8 days'")
            finally:
                await db.close()
            broker = StreamBroker(REDIS_URL, queue_name=cluster.queue)
            await broker.startup()
            try:
                await AsyncKicker("herald.close_solved_tickets", broker, {}).kiq()
            finally:
                await broker.shutdown()

            async def ticket() -> dict[str, Any]:
                return dict((await client.get("/tickets/1", headers=agent)).json())

            closed = await eventually(ticket, lambda t: t["status"] == "closed")
            assert closed["requester"]["external_id"] == "landbot:161808359"
            assert [e["new"] for e in closed["timeline"] if e["kind"] == "status"] == [
                "new",
                "open",
                "solved",
                "closed",
            ]
            # Three emails in all: the welcome, the reply, and that it was solved.
            mails = await eventually(emails, lambda got: len(got) >= 3)
            assert [m["subject"] for m in mails[1:]] == ["[#1] My order has not arrived"] * 2
    finally:
        cluster.stop()
