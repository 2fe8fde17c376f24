"""The whole conversation through Twilio's inbound webhook, signed as Twilio signs it,
with the real Twilio sender against the stub: confirmation, YES, the updates, STOP;
Twilio's retries (one MessageSid handled once), the keywords before any NLU, the
auto-reply cap, and every bad input (unsigned, oversized, missing fields, unknown
number)."""

import asyncio
import itertools
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import bearer
from tests.support.notifications import client
from tests.support.problems import assert_problem
from tests.support.stubs import sendgrid as sg
from tests.support.stubs import twilio as tw
from tests.support.stubs.fixtures import RunningStub, provider_settings
from tests.support.webhook_signing import twilio_signature

__all__ = ["client"]  # a fixture: the app with its delivery engine and inbound task

Client = AsyncTestClient[Any]
PUBLIC_URL = "https://herald.example.com"
INBOUND = "/webhooks/twilio/inbound"
PHONE = "+15105552054"
HERALD_NUMBER = "+15005550006"
_sids = itertools.count(1)


@pytest.fixture
def settings(
    sqlite_url: str,
    twilio_stub: RunningStub[tw.TwilioStub],
    sendgrid_stub: RunningStub[sg.SendGridStub],
) -> Settings:
    return make_settings(
        sqlite_url,
        public_url=PUBLIC_URL,
        **provider_settings(twilio_stub, sendgrid_stub, ""),
        sendgrid_from_email="herald@example.com",
        subscription_update_offsets="0.3,0.6",
        twilio_handles_opt_out=False,
    )


def form(body: str, phone: str = PHONE, sid: str | None = None, **more: str) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{next(_sids):032x}",
        "AccountSid": tw.ACCOUNT_SID,
        "From": phone,
        "To": HERALD_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "FromCity": "OAKLAND",
        **more,
    }


async def reply(client: Client, fields: dict[str, str], url: str = PUBLIC_URL + INBOUND) -> Any:
    signature = twilio_signature(tw.AUTH_TOKEN, url, fields)
    return await client.post(INBOUND, data=fields, headers={"X-Twilio-Signature": signature})


async def texts_to(stub: RunningStub[tw.TwilioStub], phone: str, count: int) -> list[str]:
    """The bodies Twilio got for `phone`, once there are `count` of them."""
    for _ in range(300):
        bodies = [m.body for m in stub.app.messages if m.to == phone]
        if len(bodies) >= count:
            return bodies
        await asyncio.sleep(0.02)
    raise AssertionError(f"Twilio got {bodies} for {phone}, wanted {count}")


async def subscribe(client: Client, headers: dict[str, str], phone: str = PHONE) -> str:
    made = await client.post("/subscriptions", json={"phone": phone}, headers=headers)
    assert made.status_code == 202, made.text
    return str(made.json()["id"])


async def status_of(
    client: Client, headers: dict[str, str], sid: str, *wanted: str
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(300):
        body = (await client.get(f"/subscriptions/{sid}", headers=headers)).json()
        if body["status"] in wanted:
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"the subscription stayed {body.get('status')}")


async def test_the_whole_conversation(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    ann = await bearer(client, "ann")
    sid = await subscribe(client, ann)
    [confirmation] = await texts_to(twilio_stub, PHONE, 1)
    assert "Reply YES to confirm, HELP for help, STOP to cancel" in confirmation

    answer = await reply(client, form("Yes please!"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert answer.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    await status_of(client, ann, sid, "active")
    bodies = await texts_to(twilio_stub, PHONE, 4)  # confirmed, then both updates
    # The updates are due 0.3 s apart: on a busy machine the queue may reorder them.
    confirmed, *updates = sorted(bodies[1:4], key=lambda b: "you are subscribed" not in b)
    assert "you are subscribed" in confirmed
    assert sorted(updates) == ["Herald updates: update 1 of 2.", "Herald updates: update 2 of 2."]

    await reply(client, form("STOP"))
    ended = await status_of(client, ann, sid, "unsubscribed")
    bodies = await texts_to(twilio_stub, PHONE, 5)
    assert bodies[4] == "Herald updates: You will get no more messages. Reply START to resubscribe."
    inbound = [m for m in ended["messages"] if m["direction"] == "inbound"]
    assert [(m["body"], m["intent"], m["classifier"]) for m in inbound] == [
        ("Yes please!", "affirm", "local"),
        ("STOP", "stop", "keyword"),
    ]
    assert [c["to_status"] for c in ended["changes"]] == ["pending", "active", "unsubscribed"]
    outbound = [(m["kind"], m["status"]) for m in ended["messages"] if m["direction"] == "outbound"]
    assert [k for k, _ in outbound] == [
        "confirmation",
        "confirmed",
        "update",
        "update",
        "unsubscribed",
    ]
    assert all(status in ("sent", "scheduled", "queued", "sending") for _, status in outbound)

    # STOP opted the phone out: a new subscription by API is refused until START.
    refused = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    assert "must text START" in assert_problem(refused, 409)["detail"]
    await reply(client, form("start"))
    back = await status_of(client, ann, sid, "active")
    assert back["changes"][-1]["reason"] == "replied START"


async def test_a_retried_message_sid_is_handled_once(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    ann = await bearer(client, "ann")
    sid = await subscribe(client, ann)
    fields = form("maybe")
    first, retry = await reply(client, fields), await reply(client, fields)
    assert first.status_code == retry.status_code == 200
    await texts_to(twilio_stub, PHONE, 2)  # the confirmation and one re-prompt
    await asyncio.sleep(0.3)
    body = (await client.get(f"/subscriptions/{sid}", headers=ann)).json()
    assert [m["body"] for m in body["messages"] if m["direction"] == "inbound"] == ["maybe"]
    texts = [m.body for m in twilio_stub.app.messages if m.to == PHONE]
    # Both are sent by the queue, so they may reach the provider in either order.
    assert len(texts) == 2
    assert len([t for t in texts if "sorry, we did not understand" in t]) == 1


async def test_keywords_come_before_the_classifier_and_deny_declines(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    ann = await bearer(client, "ann")
    sid = await subscribe(client, ann)
    await reply(client, form(" help? "))
    bodies = await texts_to(twilio_stub, PHONE, 2)
    # The confirmation and the help text, sent by the queue: in either order.
    assert len([b for b in bodies if "Help: support@example.com" in b]) == 1
    await reply(client, form("no thanks, wrong number"))
    declined = await status_of(client, ann, sid, "declined")
    assert declined["messages"][-2]["intent"] == "deny"
    assert declined["messages"][-2]["classifier"] == "local"


async def test_a_clear_stop_that_is_no_keyword_unsubscribes(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    ann = await bearer(client, "ann")
    sid = await subscribe(client, ann)
    await reply(client, form("YES"))
    await status_of(client, ann, sid, "active")
    await reply(client, form("please stop texting me"))
    ended = await status_of(client, ann, sid, "unsubscribed")
    last_in = [m for m in ended["messages"] if m["direction"] == "inbound"][-1]
    assert (last_in["intent"], last_in["classifier"]) == ("stop", "local")
    # Not the carrier's keyword: the phone is not opted out, only unsubscribed.
    assert (
        await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    ).status_code == 202


async def test_auto_replies_are_capped_per_phone(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    ann = await bearer(client, "ann")
    await subscribe(client, ann)
    for i in range(5):
        await reply(client, form(f"auto-responder message {i}"))
    await texts_to(twilio_stub, PHONE, 4)  # the confirmation and 3 answers (the default cap)
    await asyncio.sleep(0.5)
    assert len([m for m in twilio_stub.app.messages if m.to == PHONE]) == 4


async def test_an_unknown_number_is_acknowledged_and_only_keywords_answered(
    client: Client, twilio_stub: RunningStub[tw.TwilioStub]
) -> None:
    stranger = "+15105550199"
    assert (await reply(client, form("hello there", phone=stranger))).status_code == 200
    await asyncio.sleep(0.3)
    assert [m for m in twilio_stub.app.messages if m.to == stranger] == []
    await reply(client, form("HELP", phone=stranger))
    [help_text] = await texts_to(twilio_stub, stranger, 1)
    assert "Reply STOP to cancel" in help_text


async def test_unsigned_or_wrongly_signed_messages_are_refused(client: Client) -> None:
    fields = form("YES")
    assert_problem(await client.post(INBOUND, data=fields), 403)
    bad = {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
    assert_problem(await client.post(INBOUND, data=fields, headers=bad), 403)
    # Signed for another URL, or with a field changed after signing.
    assert_problem(await reply(client, fields, url="http://localhost:8000" + INBOUND), 403)
    signature = twilio_signature(tw.AUTH_TOKEN, PUBLIC_URL + INBOUND, fields)
    changed = {**fields, "FromCity": "ELSEWHERE"}
    refused = await client.post(INBOUND, data=changed, headers={"X-Twilio-Signature": signature})
    assert_problem(refused, 403)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"MessageSid": ""}, "MessageSid"),
        ({"From": ""}, "From"),
        ({"To": ""}, "To"),
        ({"From": "not a phone"}, "From"),
        ({"MessageSid": "SM-not-a-sid!"}, "MessageSid"),
        ({"Body": "x" * 1601}, "Body"),
        ({"Body": "a\x00b"}, "Body"),
    ],
)
async def test_malformed_messages_are_a_422_naming_the_field(
    client: Client, fields: dict[str, str], field: str
) -> None:
    sent = {k: v for k, v in {**form("hi"), **fields}.items()}
    problem = assert_problem(await reply(client, sent), 422)
    assert field in [e["field"] for e in problem["errors"]]


async def test_only_a_form_is_taken(client: Client) -> None:
    json_body = await client.post(INBOUND, json=form("YES"))
    assert_problem(json_body, 415)
    oversized = await client.post(
        INBOUND,
        content=b"Body=" + b"x" * 2_000_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(oversized, 413)
