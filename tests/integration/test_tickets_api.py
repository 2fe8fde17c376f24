"""/tickets through the whole app: every route and bad input, who may call them, the
staff's fan-out, what reaches the customer and the assignee, and the auto-close task."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from litestar.testing import AsyncTestClient
from taskiq import AsyncBroker

from application.ports.clock import Clock
from application.tickets.prepare_staff_topics import PrepareStaffTopics
from entrypoints.ioc import make_container
from entrypoints.settings import Settings
from entrypoints.tasks.scheduler import make_scheduler
from tests.support.auth import admin_bearer, bearer, key_headers, login
from tests.support.fakes import FakeClock
from tests.support.problems import assert_problem

Client = AsyncTestClient[Any]
Headers = dict[str, str]
TICKET = {"requester": "crm-1", "subject": "Late order", "body": "Where is my order?"}


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> Headers:
    return await admin_bearer(client, container)


async def agent(client: Client, admin: Headers, name: str = "sam") -> Headers:
    """A user made an agent by the admin, with email on, logged in."""
    await bearer(client, name, preferences={"notify_pref": "email", "email": f"{name}@example.com"})
    page = (await client.get("/admin/users", headers=admin, params={"q": name})).json()
    [user] = [u for u in page["items"] if u["username"] == name]
    r = await client.patch(f"/admin/users/{user['id']}", headers=admin, json={"role": "agent"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {(await login(client, name))['access_token']}"}


@pytest.fixture
async def sam(client: Client, admin: Headers) -> Headers:
    return await agent(client, admin)


@pytest.fixture
async def crm1(client: Client, admin: Headers) -> None:
    r = await client.put(
        "/recipients/crm-1", headers=admin, json={"name": "Lena", "email": "lena@example.com"}
    )
    assert r.status_code == 201, r.text


def errors(response: Any) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {e["field"]: e["message"] for e in body["errors"]}


async def open_ticket(client: Client, headers: Headers, **fields: Any) -> dict[str, Any]:
    r = await client.post("/tickets", headers=headers, json=TICKET | fields)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def emails_to(client: Client, admin: Headers, external_id: str) -> list[dict[str, Any]]:
    r = await client.get(
        "/admin/notifications", headers=admin, params={"recipient": external_id, "limit": 100}
    )
    assert r.status_code == 200, r.text
    return [n for n in r.json()["items"] if n["channel"] == "email"]


@pytest.mark.usefixtures("crm1")
async def test_open_read_and_list(client: Client, sam: Headers) -> None:
    made = await open_ticket(client, sam, topic="billing", priority="high")
    assert made["number"] == 1
    assert {k: made[k] for k in ("subject", "body", "topic", "priority", "status", "assignee")} == {
        "subject": "Late order",
        "body": "Where is my order?",
        "topic": "billing",
        "priority": "high",
        "status": "new",
        "assignee": None,
    }
    assert made["created_at"].endswith("Z")
    got = await client.get("/tickets/1", headers=sam)
    assert got.status_code == 200, got.text
    detail = got.json()
    assert {k: detail[k] for k in made} == made
    assert detail["requester"] == {
        "id": made["requester_id"],
        "external_id": "crm-1",
        "name": "Lena",
        "email": "lena@example.com",
    }
    assert [(e["kind"], e["author"], e["new"]) for e in detail["timeline"]] == [
        ("status", "sam", "new")
    ]
    await open_ticket(client, sam)
    page = (await client.get("/tickets", headers=sam, params={"limit": 1})).json()
    assert [t["number"] for t in page["items"]] == [2]
    rest = (
        await client.get("/tickets", headers=sam, params={"cursor": page["next_cursor"]})
    ).json()
    assert ([t["number"] for t in rest["items"]], rest["next_cursor"]) == ([1], None)
    billing = (await client.get("/tickets", headers=sam, params={"topic": "billing"})).json()
    assert [t["number"] for t in billing["items"]] == [1]
    high = await client.get("/tickets", headers=sam, params={"priority": "high", "status": "new"})
    assert [t["number"] for t in high.json()["items"]] == [1]


@pytest.mark.usefixtures("crm1")
async def test_bad_input_is_a_problem_naming_each_field(client: Client, sam: Headers) -> None:
    bad = await client.post(
        "/tickets",
        headers=sam,
        json={"requester": "crm-1", "subject": " ", "body": "", "topic": "legal"},
    )
    assert set(errors(bad)) == {"subject", "body", "topic"}
    bad_priority = await client.post("/tickets", headers=sam, json=TICKET | {"priority": "p0"})
    assert set(errors(bad_priority)) == {"priority"}
    for requester in ("crm-404", "no/such"):
        unknown = await client.post("/tickets", headers=sam, json=TICKET | {"requester": requester})
        assert "no recipient has this id" in assert_problem(unknown, 404)["detail"]
    assert errors(await client.post("/tickets", headers=sam, json={"subject": "x"})) == {
        "requester": "is required"
    }
    extra = await client.post("/tickets", headers=sam, json=TICKET | {"status": "open"})
    assert_problem(extra, 422)
    nul = await client.post("/tickets", headers=sam, json=TICKET | {"body": "a\u0000b"})
    assert_problem(nul, 422)
    huge = await client.post("/tickets", headers=sam, json=TICKET | {"body": "x" * 9_901})
    assert "body" in errors(huge)
    await open_ticket(client, sam)
    every = {
        "status": "done",
        "priority": "p0",
        "topic": "legal",
        "cursor": "?!",
        "assignee": "!!!",
    }
    for name, value in every.items():
        r = await client.get("/tickets", headers=sam, params={name: value})
        assert set(errors(r)) == {name}
    assert set(errors(await client.get("/tickets", headers=sam, params=every))) == set(every)
    for field in ("priority", "status"):
        patch = await client.patch("/tickets/1", headers=sam, json={field: "p0"})
        assert set(errors(patch)) == {field}
    nobody = await client.patch("/tickets/1", headers=sam, json={"assignee": "nobody"})
    assert assert_problem(nobody, 404)["detail"] == "no enabled agent or admin is named 'nobody'"
    assert_problem(await client.patch("/tickets/1", headers=sam, json={"priority": 3}), 422)
    assert_problem(await client.post("/tickets/1/comments", headers=sam, json={"body": ""}), 422)
    assert_problem(await client.post("/tickets/1/comments", headers=sam, json={}), 422)
    not_json = await client.post(
        "/tickets/1/comments", headers={**sam, "content-type": "text/plain"}, content=b"hi"
    )
    assert not_json.status_code in (400, 415)


@pytest.mark.usefixtures("crm1")
async def test_unknown_tickets_are_404s(client: Client, sam: Headers) -> None:
    for number in ("0", "7", "99999999999"):
        assert_problem(await client.get(f"/tickets/{number}", headers=sam), 404)
        assert_problem(
            await client.patch(f"/tickets/{number}", headers=sam, json={"status": "open"}), 404
        )
        assert_problem(
            await client.post(f"/tickets/{number}/comments", headers=sam, json={"body": "hi"}), 404
        )
    assert (await client.get("/tickets/abc", headers=sam)).status_code == 404


@pytest.mark.usefixtures("crm1")
async def test_users_keys_and_strangers_are_refused(
    client: Client, admin: Headers, sam: Headers
) -> None:
    await open_ticket(client, sam)
    user = await bearer(client, "eve")
    key = await key_headers(client, admin, "notifications:write", "recipients:write")
    calls = [
        ("GET", "/tickets", None),
        ("POST", "/tickets", TICKET),
        ("GET", "/tickets/1", None),
        ("PATCH", "/tickets/1", {"status": "open"}),
        ("POST", "/tickets/1/comments", {"body": "hi"}),
    ]
    for method, path, body in calls:
        for headers, status in ((user, 403), (key, 403), ({}, 401)):
            r = await client.request(method, path, headers=headers, json=body)
            assert_problem(r, status)
    # Admins may, as agents do.
    assert (await client.get("/tickets/1", headers=admin)).status_code == 200
    assert (await client.get("/tickets/1", headers=sam)).json()["status"] == "new"


@pytest.mark.usefixtures("crm1")
async def test_the_status_machine_and_its_409s(client: Client, sam: Headers) -> None:
    await open_ticket(client, sam)
    moves = [("open", 200), ("closed", 409), ("pending", 200), ("new", 409), ("open", 200)]
    moves += [("solved", 200), ("pending", 409), ("closed", 200), ("open", 409)]
    for status, code in moves:
        r = await client.patch("/tickets/1", headers=sam, json={"status": status})
        assert r.status_code == code, (status, r.text)
        if code == 409:
            assert "cannot become" in assert_problem(r, 409)["detail"] or "closed" in r.text
    closed = await client.patch("/tickets/1", headers=sam, json={"priority": "low"})
    assert_problem(closed, 409)
    comment = await client.post("/tickets/1/comments", headers=sam, json={"body": "hi"})
    assert_problem(comment, 409)
    timeline = (await client.get("/tickets/1", headers=sam)).json()["timeline"]
    assert [(e["old"], e["new"]) for e in timeline] == [
        (None, "new"),
        ("new", "open"),
        ("open", "pending"),
        ("pending", "open"),
        ("open", "solved"),
        ("solved", "closed"),
    ]


@pytest.mark.usefixtures("crm1")
async def test_assigning_notifies_the_agent_and_comments_reach_the_customer(
    client: Client, admin: Headers, sam: Headers
) -> None:
    await open_ticket(client, admin)
    assign = await client.patch(
        "/tickets/1", headers=admin, json={"assignee": "SAM", "priority": "urgent"}
    )
    assert assign.status_code == 200, assign.text
    assert (assign.json()["assignee"], assign.json()["priority"]) == ("sam", "urgent")
    [told] = await emails_to(client, admin, "user:sam")
    assert (told["title"], told["text"]) == (
        "Ticket #1",
        "root assigned ticket #1 to you: Late order",
    )
    mine = (await client.get("/tickets", headers=sam, params={"assignee": "sam"})).json()
    assert [t["number"] for t in mine["items"]] == [1]
    private = await client.post(
        "/tickets/1/comments", headers=sam, json={"body": "Check the stock", "public": False}
    )
    assert private.status_code == 201, private.text
    assert (private.json()["public"], private.json()["author"]) == (False, "sam")
    assert await emails_to(client, admin, "crm-1") == []
    public = await client.post("/tickets/1/comments", headers=sam, json={"body": "On its way"})
    assert public.status_code == 201, public.text
    solved = await client.patch("/tickets/1", headers=sam, json={"status": "solved"})
    assert solved.json()["solved_at"] is not None
    emails = await emails_to(client, admin, "crm-1")
    texts = sorted(e["text"] for e in emails)
    assert len(texts) == 2
    assert texts[1] == "sam: On its way"
    assert texts[0].startswith("Your request #1 (Late order) is solved.")
    assert {e["title"] for e in emails} == {"[#1] Late order"}
    unassign = await client.patch("/tickets/1", headers=sam, json={"assignee": None})
    assert unassign.json()["assignee"] is None
    kinds = [e["kind"] for e in (await client.get("/tickets/1", headers=sam)).json()["timeline"]]
    assert kinds == [
        "status",
        "priority",
        "assignment",
        "comment",
        "comment",
        "status",
        "status",
        "assignment",
    ]


@pytest.mark.usefixtures("crm1")
async def test_a_new_ticket_is_a_fan_out_to_its_staff_topics(
    client: Client, container: AsyncContainer, admin: Headers, sam: Headers
) -> None:
    async with container() as request:
        made = await (await request.get(PrepareStaffTopics))()
    assert made == ["tickets.sales", "tickets.support", "tickets.billing", "tickets.urgent"]
    mine = (await client.get("/me/topics", headers=sam)).json()["items"]
    assert {t["key"] for t in mine if t["self_service"]} >= set(made)
    for key in ("tickets.support", "tickets.urgent"):
        r = await client.put(f"/me/topics/{key}", headers=sam)
        assert r.status_code == 201, r.text
    await open_ticket(client, admin, priority="urgent")
    await open_ticket(client, admin, topic="sales")
    fanouts = (await client.get("/fanouts", headers=admin, params={"limit": 10})).json()["items"]
    by_topic = {f["topic"]: f for f in fanouts}
    assert set(by_topic) == {"tickets.support", "tickets.urgent", "tickets.sales"}
    assert by_topic["tickets.support"]["subscribers"] == 1
    assert by_topic["tickets.urgent"]["subscribers"] == 1
    assert by_topic["tickets.urgent"]["urgent"] is True
    assert by_topic["tickets.sales"]["subscribers"] == 0


@pytest.mark.usefixtures("crm1")
async def test_staff_topics_are_made_with_the_first_ticket_too(
    client: Client, admin: Headers, sam: Headers
) -> None:
    await open_ticket(client, sam)
    r = await client.get("/topics/tickets.support", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["self_service"] is True
    assert (await client.put("/me/topics/tickets.support", headers=sam)).status_code == 201


class LaterClock(Provider):
    """The clock of a scheduler run eight days from now."""

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return FakeClock(datetime.now(UTC) + timedelta(days=8))


@pytest.mark.usefixtures("crm1")
async def test_the_auto_close_task_closes_tickets_solved_past_the_window(
    client: Client, container: AsyncContainer, settings: Settings, sam: Headers
) -> None:
    for _ in range(3):
        await open_ticket(client, sam)
    for number in (1, 2):
        r = await client.patch(f"/tickets/{number}", headers=sam, json={"status": "solved"})
        assert r.status_code == 200, r.text
    assert await run_task(container) == 0  # solved just now: inside the window
    later = make_container(settings, LaterClock())
    try:
        assert await run_task(later) == 2
        assert await run_task(later) == 0
    finally:
        await later.close()
    closed = (await client.get("/tickets", headers=sam, params={"status": "closed"})).json()
    assert [t["number"] for t in closed["items"]] == [2, 1]
    timeline = (await client.get("/tickets/1", headers=sam)).json()["timeline"]
    assert (timeline[-1]["author"], timeline[-1]["old"], timeline[-1]["new"]) == (
        None,
        "solved",
        "closed",
    )
    assert (await client.get("/tickets/3", headers=sam)).json()["status"] == "new"


async def run_task(container: AsyncContainer) -> int:
    """The scheduled task through the container's broker, as a worker runs it."""
    broker = await container.get(AsyncBroker)
    await broker.startup()
    try:
        task = broker.find_task("herald.close_solved_tickets")
        assert task is not None
        result = await (await task.kiq()).wait_result(timeout=5)
        assert not result.is_err, result.error
        return int(result.return_value)
    finally:
        await broker.shutdown()


async def test_the_auto_close_is_scheduled(container: AsyncContainer) -> None:
    source = make_scheduler(await container.get(AsyncBroker)).sources[0]
    await source.startup()
    crons = [
        s.cron for s in await source.get_schedules() if s.task_name == "herald.close_solved_tickets"
    ]
    assert crons == ["*/10 * * * *"]
