"""/subscriptions through the app: subscribing (the confirmation text), the resend
rule, 409 for an active phone, the conversation, unsubscribing, the anti-pumping
limits, who sees what, and bad input."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from application.ports.clock import Clock
from application.ports.subscriptions import SubscriptionRepository
from application.ports.transactions import TransactionManager
from application.subscriptions.moves import SubscriptionMoves
from application.subscriptions.texts import SubscriptionTexts
from domain.subscriptions import Status
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import admin_bearer, bearer, key_headers
from tests.support.databases import migrated_empty
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
PHONE = "+15105552054"


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url, subscription_resend_seconds=0)


@pytest.fixture
async def ann(client: Client) -> dict[str, str]:
    return await bearer(client, "ann")


async def conversation(client: Client, headers: dict[str, str], sid: str) -> dict[str, Any]:
    answer = await client.get(f"/subscriptions/{sid}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def activate(container: AsyncContainer, sid: str) -> None:
    """As a YES reply does (the inbound webhook's tests send the reply itself)."""
    from uuid import UUID

    async with container() as request:
        repo = await request.get(SubscriptionRepository)
        moves = await request.get(SubscriptionMoves)
        found = await repo.get(UUID(sid))
        assert found is not None
        await moves.activate(found, None, (await request.get(Clock)).now(), "test")
        await (await request.get(SubscriptionTexts)).commit()  # the updates, then commit


async def test_subscribing_answers_202_and_texts_the_confirmation(
    client: Client, ann: dict[str, str]
) -> None:
    made = await client.post("/subscriptions", json={"phone": "+1 (510) 555-2054"}, headers=ann)
    assert made.status_code == 202, made.text
    body = made.json()
    assert (body["phone"], body["status"], body["program"]) == (PHONE, "pending", "Herald updates")
    assert body["created_at"].endswith("Z")
    c = await conversation(client, ann, body["id"])
    [sent] = c["messages"]
    assert (sent["direction"], sent["kind"], sent["status"]) == (
        "outbound",
        "confirmation",
        "scheduled",
    )
    for words in (
        "Herald updates",
        "2 msgs per subscription",
        "Msg&data rates may apply",
        "Reply YES to confirm, HELP for help, STOP to cancel",
    ):
        assert words in sent["body"]
    assert [(ch["from_status"], ch["to_status"]) for ch in c["changes"]] == [(None, "pending")]


async def test_a_pending_phone_keeps_its_subscription_and_the_resend_rule_holds(
    client: Client, sqlite_url: str, container: AsyncContainer
) -> None:
    ann = await bearer(client, "ann")
    first = (await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)).json()
    again = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    assert again.status_code == 202
    assert again.json()["id"] == first["id"]
    # HERALD_SUBSCRIPTION_RESEND_SECONDS=0 here: each request resends.
    assert len((await conversation(client, ann, first["id"]))["messages"]) == 2


async def test_the_confirmation_is_not_resent_within_the_resend_window(
    sqlite_url: str, tmp_path: Any
) -> None:
    from dishka import AsyncContainer as _  # noqa: F401
    from sqlalchemy.ext.asyncio import AsyncEngine

    from entrypoints.http.app import create_app
    from entrypoints.ioc import make_container

    settings = make_settings(sqlite_url, subscription_resend_seconds=60)
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(settings, container)) as client:
        ann = await bearer(client, "ann")
        first = (await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)).json()
        again = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
        assert again.status_code == 202
        assert again.json()["id"] == first["id"]
        assert len((await conversation(client, ann, first["id"]))["messages"]) == 1
    await container.close()


async def test_an_active_phone_is_a_conflict_carrying_the_subscription(
    client: Client, ann: dict[str, str], container: AsyncContainer
) -> None:
    made = (await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)).json()
    await activate(container, made["id"])
    refused = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    problem = assert_problem(refused, 409)
    assert problem["subscription"]["id"] == made["id"]
    assert problem["subscription"]["status"] == "active"
    c = await conversation(client, ann, made["id"])
    assert [m["kind"] for m in c["messages"]] == ["confirmation", "update", "update"]


async def test_unsubscribing_cancels_the_updates_and_texts_a_confirmation(
    client: Client, ann: dict[str, str], container: AsyncContainer
) -> None:
    made = (await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)).json()
    await activate(container, made["id"])
    gone = await client.delete(f"/subscriptions/{made['id']}", headers=ann)
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "unsubscribed"
    c = await conversation(client, ann, made["id"])
    # In the order of their times: the updates were due later, and never went.
    assert [(m["kind"], m["status"]) for m in c["messages"]] == [
        ("confirmation", "scheduled"),
        ("unsubscribed", "scheduled"),
        ("update", "canceled"),
        ("update", "canceled"),
    ]
    assert c["messages"][1]["body"] == (
        "Herald updates: You will get no more messages. Reply START to resubscribe."
    )
    assert [ch["to_status"] for ch in c["changes"]] == ["pending", "active", "unsubscribed"]
    again = await client.delete(f"/subscriptions/{made['id']}", headers=ann)
    assert "already unsubscribed" in assert_problem(again, 409)["detail"]
    # The phone is free again: a new subscription may start.
    renewed = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    assert renewed.status_code == 202
    assert renewed.json()["id"] != made["id"]


async def test_users_see_their_own_and_admins_every_one(
    client: Client, ann: dict[str, str], container: AsyncContainer
) -> None:
    bob = await bearer(client, "bob")
    admin = await admin_bearer(client, container)
    mine = (await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)).json()
    (await client.post("/subscriptions", json={"phone": "+15105550001"}, headers=bob)).json()
    assert [s["id"] for s in (await client.get("/subscriptions", headers=ann)).json()["items"]] == [
        mine["id"]
    ]
    assert len((await client.get("/subscriptions", headers=admin)).json()["items"]) == 2
    assert_problem(await client.get(f"/subscriptions/{mine['id']}", headers=bob), 404)
    assert_problem(await client.delete(f"/subscriptions/{mine['id']}", headers=bob), 404)
    assert (await client.get(f"/subscriptions/{mine['id']}", headers=admin)).status_code == 200
    page = (await client.get("/subscriptions?limit=1", headers=admin)).json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    rest = await client.get(f"/subscriptions?limit=1&cursor={page['next_cursor']}", headers=admin)
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None


async def test_a_key_with_the_scope_subscribes_a_recipient_by_external_id(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    put = await client.put("/recipients/crm-7", json={"phone": PHONE}, headers=admin)
    assert put.status_code in (200, 201), put.text
    key = await key_headers(client, admin, "subscriptions:write")
    made = await client.post("/subscriptions", json={"recipient": "crm-7"}, headers=key)
    assert made.status_code == 202, made.text
    assert made.json()["phone"] == PHONE
    assert (await client.get(f"/subscriptions/{made.json()['id']}", headers=key)).status_code == 200
    assert len((await client.get("/subscriptions", headers=key)).json()["items"]) == 1
    needs = assert_problem(
        await client.post("/subscriptions", json={"phone": PHONE}, headers=key), 422
    )
    assert needs["errors"] == [
        {"field": "recipient", "message": "an API key must name the recipient"}
    ]
    other = assert_problem(
        await client.post(
            "/subscriptions", json={"recipient": "crm-7", "phone": "+15105550001"}, headers=key
        ),
        422,
    )
    assert other["errors"][0]["field"] == "phone"
    assert_problem(
        await client.post("/subscriptions", json={"recipient": "nobody"}, headers=key), 404
    )
    without = await key_headers(client, admin, "topics:write", name="other")
    for answer in [
        await client.post("/subscriptions", json={"recipient": "crm-7"}, headers=without),
        await client.get("/subscriptions", headers=without),
        await client.get(f"/subscriptions/{made.json()['id']}", headers=without),
        await client.delete(f"/subscriptions/{made.json()['id']}", headers=without),
    ]:
        assert (
            assert_problem(answer, 403)["detail"]
            == "the API key lacks the scope subscriptions:write"
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "phone"),
        ({"phone": "5552054"}, "phone"),
        ({"phone": "+1510555205\u0000"}, "phone"),
        ({"phone": 15105552054}, "phone"),
        ({"phone": "x" * 33}, "phone"),
        ({"phone": PHONE, "extra": 1}, "extra"),
        ({"phone": PHONE, "recipient": "a/b"}, "recipient"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: Client, ann: dict[str, str], body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(await client.post("/subscriptions", json=body, headers=ann), 422)
    assert [e["field"] for e in problem["errors"]] == [field]


async def test_other_bad_requests(client: Client, ann: dict[str, str]) -> None:
    assert_problem(await client.post("/subscriptions", json={"phone": PHONE}), 401)
    assert_problem(await client.get("/subscriptions/not-a-uuid", headers=ann), 404)
    assert_problem(await client.get("/subscriptions?limit=0", headers=ann), 422)
    assert_problem(await client.get("/subscriptions?cursor=%%%", headers=ann), 422)
    missing = "01a2005d-b470-7f6a-9b2b-7c7ca6c14368"
    assert_problem(await client.get(f"/subscriptions/{missing}", headers=ann), 404)
    assert_problem(
        await client.post(
            "/subscriptions", content=b"phone=1", headers={**ann, "Content-Type": "text/plain"}
        ),
        415,
    )


async def test_the_anti_pumping_limits_answer_429_with_retry_after(
    sqlite_url: str,
) -> None:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from entrypoints.http.app import create_app
    from entrypoints.ioc import make_container

    settings = make_settings(
        sqlite_url, subscription_limit_per_caller_hour=2, subscription_resend_seconds=0
    )
    container = make_container(settings)
    await migrated_empty(await container.get(AsyncEngine))
    async with AsyncTestClient(create_app(settings, container)) as client:
        ann = await bearer(client, "ann")
        for i in range(2):
            ok = await client.post("/subscriptions", json={"phone": f"+1510555000{i}"}, headers=ann)
            assert ok.status_code == 202, ok.text
        refused = await client.post("/subscriptions", json={"phone": "+15105550009"}, headers=ann)
        assert_problem(refused, 429)
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        # Nothing was made for the refused phone.
        admin = await admin_bearer(client, container)
        assert len((await client.get("/subscriptions", headers=admin)).json()["items"]) == 2
    await container.close()


async def test_a_phone_that_replied_stop_is_refused_until_it_texts_start(
    client: Client, ann: dict[str, str], container: AsyncContainer
) -> None:
    from application.ports.recipients import RecipientRepository
    from domain.recipients import ExternalId

    made = (await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)).json()
    async with container() as request:
        recipients = await request.get(RecipientRepository)
        found = await recipients.get(ExternalId(f"sms:{PHONE}"))
        assert found is not None
        await recipients.save(found.opt_out(PHONE))
        repo = await request.get(SubscriptionRepository)
        moves = await request.get(SubscriptionMoves)
        from uuid import UUID

        sub = await repo.get(UUID(made["id"]))
        assert sub is not None
        await moves.end(sub, Status.UNSUBSCRIBED, (await request.get(Clock)).now(), "STOP")
        await (await request.get(TransactionManager)).commit()
    refused = await client.post("/subscriptions", json={"phone": PHONE}, headers=ann)
    assert "must text START" in assert_problem(refused, 409)["detail"]


async def test_the_texts_are_templates_overridable_per_locale(
    client: Client, container: AsyncContainer
) -> None:
    admin = await admin_bearer(client, container)
    template = {
        "description": "the confirmation",
        "variables": ["program", "frequency"],
        "sms": {"text": "{{ program }}: confirm? Reply YES, HELP for help, STOP to cancel."},
    }
    saved = await client.put("/templates/subscriptions.confirmation", json=template, headers=admin)
    assert saved.status_code == 201, saved.text
    spanish = {"sms": {"text": "{{ program }}: ¿confirmas? Responde YES, HELP o STOP."}}
    locale = await client.put(
        "/templates/subscriptions.confirmation/locales/es", json=spanish, headers=admin
    )
    assert locale.status_code in (200, 201), locale.text
    for external_id, phone, language in [("crm-es", PHONE, "es"), ("crm-en", "+15105550001", "en")]:
        put = await client.put(
            f"/recipients/{external_id}", json={"phone": phone, "locale": language}, headers=admin
        )
        assert put.status_code in (200, 201), put.text
    key = await key_headers(client, admin, "subscriptions:write")
    bodies = {}
    for external_id in ("crm-es", "crm-en"):
        made = await client.post("/subscriptions", json={"recipient": external_id}, headers=key)
        assert made.status_code == 202, made.text
        c = await conversation(client, key, made.json()["id"])
        bodies[external_id] = c["messages"][0]["body"]
    assert bodies == {
        "crm-es": "Herald updates: ¿confirmas? Responde YES, HELP o STOP.",
        "crm-en": "Herald updates: confirm? Reply YES, HELP for help, STOP to cancel.",
    }
