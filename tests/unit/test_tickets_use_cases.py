"""The tickets' use cases over the fakes, wired by the production container: opening
(and the staff's fan-out), the customer's reply, changes, comments, the auto-close, and
what reaches the customer and the assignee."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from dishka import AsyncContainer

from application.tickets.close_solved import CloseSolvedTickets
from application.tickets.comment_from_customer import (
    CommentFromCustomer,
    CommentFromCustomerCommand,
)
from application.tickets.comment_on_ticket import CommentOnTicket, CommentOnTicketCommand
from application.tickets.find import store_change
from application.tickets.get_ticket import GetTicket
from application.tickets.list_tickets import ListTickets, ListTicketsQuery
from application.tickets.open_ticket import OpenTicket, OpenTicketCommand
from application.tickets.relay_to_landbot import RelayOutcome, RelayToLandbot
from application.tickets.update_ticket import UpdateTicket, UpdateTicketCommand
from domain.accounts import Role, User
from domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from domain.ids import new_id
from domain.notifications import Notification
from domain.preferences import Channel
from domain.recipients import Channels, Contact, EmailAddress, ExternalId, Recipient
from domain.tickets import EventKind, IllegalMove, Ticket, TicketFilter, TicketStatus
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

S = TicketStatus


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
async def request_scope(fakes: Fakes) -> AsyncIterator[AsyncContainer]:
    async with use_cases(fakes) as request:
        yield request


async def customer(fakes: Fakes, external_id: str = "crm-1") -> Recipient:
    made = Recipient.new(
        new_id(),
        ExternalId(external_id),
        Contact(name="Lena", email=EmailAddress(f"{external_id.replace(':', '-')}@example.com")),
        fakes.clock.now(),
    )
    await fakes.recipients.save(made)
    return made


async def staff(fakes: Fakes, name: str = "sam", role: Role = Role.AGENT) -> User:
    user = new_user(name, role)
    await fakes.users.add(user)
    contact = Contact(email=EmailAddress(f"{name}@example.com"), channels=Channels(email=True))
    own = Recipient.new(new_id(), ExternalId(f"user:{name}"), contact, fakes.clock.now(), user.id)
    await fakes.recipients.save(own)
    return user


async def opened(request: AsyncContainer, requester: Recipient, **fields: Any) -> Ticket:
    cmd = OpenTicketCommand(
        requester_id=requester.id,
        topic=fields.pop("topic", "support"),
        subject=fields.pop("subject", "Late order"),
        body=fields.pop("body", "Where is my order?"),
        **fields,
    )
    return await (await request.get(OpenTicket))(cmd)


def emails_to(fakes: Fakes, address: str) -> list[Notification]:
    rows = fakes.notifications._rows.values()
    return [n for n in rows if n.channel is Channel.EMAIL and n.to == address]


async def test_opening_numbers_tickets_and_announces_them_on_their_staff_topics(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena = await customer(fakes)
    first = await opened(request_scope, lena)
    second = await opened(request_scope, lena, topic="billing", priority="urgent")
    assert (first.number, second.number) == (1, 2)
    assert (first.status, first.requester_id, first.assignee) == (S.NEW, lena.id, None)
    fanouts = await fakes.fanouts.list_before(None, None, 10)
    assert sorted(f.topic for f in fanouts) == [
        "tickets.billing",
        "tickets.support",
        "tickets.urgent",
    ]
    urgent = next(f for f in fanouts if f.topic == "tickets.urgent")
    assert urgent.urgent
    assert urgent.message.text == "New urgent billing ticket #2: Late order"
    for key in ("tickets.billing", "tickets.support", "tickets.urgent"):
        topic = await fakes.topics.get(key)
        assert topic is not None
        assert topic.self_service
    view = await (await request_scope.get(GetTicket))(await staff(fakes), 1)
    assert [(e.kind, e.old, e.new) for e in view.timeline] == [(EventKind.STATUS, None, "new")]
    assert view.requester == lena


async def test_opening_checks_every_field_and_the_requester(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    open_ticket = await request_scope.get(OpenTicket)
    with pytest.raises(InvalidInput) as bad:
        await open_ticket(OpenTicketCommand(new_id(), "legal", " ", "", priority="critical"))
    assert {e.field for e in bad.value.errors} == {"topic", "subject", "body", "priority"}
    with pytest.raises(NotFound, match="no recipient has this id"):
        await open_ticket(OpenTicketCommand(new_id(), "sales", "Hi", "Hello"))
    for external_id in ("crm-404", "bad/id", ""):
        with pytest.raises(NotFound, match="no recipient has this id"):
            await open_ticket(
                OpenTicketCommand(None, "sales", "Hi", "Hello", requester=external_id)
            )
    with pytest.raises(PermissionDenied):
        await open_ticket(
            OpenTicketCommand(None, "sales", "Hi", "Hello", requester="x", opened_by=new_user())
        )
    assert await fakes.tickets.find(_all(), None, 10) == []


def _all() -> TicketFilter:
    return TicketFilter()


async def test_a_customers_reply_reopens_within_the_window_only(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    ticket = await opened(request_scope, lena)
    update = await request_scope.get(UpdateTicket)
    reply = await request_scope.get(CommentFromCustomer)
    await update(UpdateTicketCommand(sam, ticket.number, status="pending"))
    back = await reply(CommentFromCustomerCommand(lena.id, "Here is the photo"))
    assert back.status is S.OPEN  # the newest active ticket, found without a number
    await update(UpdateTicketCommand(sam, ticket.number, status="solved"))
    fakes.clock.advance(days=7)
    again = await reply(CommentFromCustomerCommand(lena.id, "Still broken", ticket.number))
    assert again.status is S.OPEN
    await update(UpdateTicketCommand(sam, ticket.number, status="solved"))
    fakes.clock.advance(days=7, seconds=1)
    with pytest.raises(IllegalMove, match="reopen window"):
        await reply(CommentFromCustomerCommand(lena.id, "Hello?", ticket.number))
    with pytest.raises(NotFound):  # no active ticket left
        await reply(CommentFromCustomerCommand(lena.id, "Hello?"))
    other = await customer(fakes, "crm-2")
    with pytest.raises(NotFound):  # another customer's ticket
        await reply(CommentFromCustomerCommand(other.id, "Hi", ticket.number))
    view = await (await request_scope.get(GetTicket))(sam, ticket.number)
    comments = [(e.author, e.body, e.public) for e in view.timeline if e.kind is EventKind.COMMENT]
    assert comments == [(None, "Here is the photo", True), (None, "Still broken", True)]


async def test_changes_follow_the_machine_and_land_on_the_timeline(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    ann = await staff(fakes, "ann", Role.ADMIN)
    ticket = await opened(request_scope, lena)
    update = await request_scope.get(UpdateTicket)
    changed = await update(
        UpdateTicketCommand(ann, ticket.number, status="open", priority="high", assignee="sam")
    )
    assert (changed.status, changed.priority, changed.assignee) == (S.OPEN, "high", "sam")
    with pytest.raises(IllegalMove, match="a open ticket cannot become closed"):
        await update(UpdateTicketCommand(sam, ticket.number, status="closed"))
    with pytest.raises(NotFound, match="no enabled agent or admin is named 'nobody'"):
        await update(UpdateTicketCommand(sam, ticket.number, assignee="nobody"))
    await fakes.users.add(new_user("bob"))
    with pytest.raises(NotFound, match="'bob'"):
        await update(UpdateTicketCommand(sam, ticket.number, assignee="bob"))  # a user
    with pytest.raises(InvalidInput, match="assignee"):
        await update(UpdateTicketCommand(sam, ticket.number, assignee="b!"))  # no username
    with pytest.raises(InvalidInput) as bad:
        await update(UpdateTicketCommand(sam, ticket.number, status="done", priority="max"))
    assert {e.field for e in bad.value.errors} == {"status", "priority"}
    with pytest.raises(NotFound):
        await update(UpdateTicketCommand(sam, 99, status="open"))
    with pytest.raises(PermissionDenied):
        await update(UpdateTicketCommand(new_user("eve"), ticket.number, status="pending"))
    unassigned = await update(UpdateTicketCommand(sam, ticket.number, assignee=None))
    assert unassigned.assignee is None
    view = await (await request_scope.get(GetTicket))(sam, ticket.number)
    assert [(e.kind, e.author, e.old, e.new) for e in view.timeline] == [
        (EventKind.STATUS, None, None, "new"),
        (EventKind.STATUS, "ann", "new", "open"),
        (EventKind.PRIORITY, "ann", "normal", "high"),
        (EventKind.ASSIGNMENT, "ann", None, "sam"),
        (EventKind.ASSIGNMENT, "sam", "sam", None),
    ]


async def test_assigning_notifies_the_assignee_but_not_oneself(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena = await customer(fakes)
    await staff(fakes)
    ann = await staff(fakes, "ann", Role.ADMIN)
    ticket = await opened(request_scope, lena)
    update = await request_scope.get(UpdateTicket)
    await update(UpdateTicketCommand(ann, ticket.number, assignee="sam"))
    told = emails_to(fakes, "sam@example.com")
    assert [(n.title, n.text) for n in told] == [
        ("Ticket #1", "ann assigned ticket #1 to you: Late order")
    ]
    await update(UpdateTicketCommand(ann, ticket.number, assignee="ann"))
    assert emails_to(fakes, "ann@example.com") == []


async def test_a_customers_reply_tells_the_assignee(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    ann = await staff(fakes, "ann", Role.ADMIN)
    ticket = await opened(request_scope, lena)
    reply = await request_scope.get(CommentFromCustomer)
    await reply(CommentFromCustomerCommand(lena.id, "Anyone?"))  # unassigned: nobody told
    await (await request_scope.get(UpdateTicket))(
        UpdateTicketCommand(sam, ticket.number, status="pending", assignee="ann")
    )
    await reply(CommentFromCustomerCommand(lena.id, "Here it is"))
    told = [n.text for n in emails_to(fakes, "ann@example.com")]
    assert told == [
        "sam assigned ticket #1 to you: Late order",
        "The customer replied on ticket #1 (open again): Late order",
    ]
    assert emails_to(fakes, "sam@example.com") == []
    assert ann.is_admin


async def test_public_comments_and_solving_reach_the_customer_and_private_ones_do_not(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    ticket = await opened(request_scope, lena)
    comment = await request_scope.get(CommentOnTicket)
    private = await comment(CommentOnTicketCommand(sam, ticket.number, "Check stock", False))
    assert private.public is False
    assert emails_to(fakes, "crm-1@example.com") == []
    assert (await fakes.tickets.get(1)).status is S.NEW  # type: ignore[union-attr]
    await comment(CommentOnTicketCommand(sam, ticket.number, "A new one is on its way"))
    assert (await fakes.tickets.get(1)).status is S.OPEN  # type: ignore[union-attr]
    await (await request_scope.get(UpdateTicket))(
        UpdateTicketCommand(sam, ticket.number, status="solved")
    )
    told = emails_to(fakes, "crm-1@example.com")
    assert [n.title for n in told] == ["[#1] Late order", "[#1] Late order"]
    assert told[0].text == "sam: A new one is on its way"
    assert "is solved" in told[1].text
    assert "within 7 days" in told[1].text
    assert fakes.landbot_outbox.queued == []  # not a Landbot customer


async def test_a_landbot_customer_also_gets_the_text_in_their_chat(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes, "landbot:4242"), await staff(fakes)
    ticket = await opened(request_scope, lena)
    await (await request_scope.get(CommentOnTicket))(
        CommentOnTicketCommand(sam, ticket.number, "On its way")
    )
    assert fakes.landbot_outbox.queued == [("4242", "sam: On its way")]
    assert len(emails_to(fakes, "landbot-4242@example.com")) == 1


async def test_two_changes_from_one_reading_the_second_is_a_conflict(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    ticket = await opened(request_scope, lena)
    fakes.clock.advance(seconds=1)
    await (await request_scope.get(UpdateTicket))(
        UpdateTicketCommand(sam, ticket.number, status="pending")
    )
    # What another agent's request read before that change, then stores:
    assert not await fakes.tickets.update(
        ticket.move(S.SOLVED, fakes.clock.now()), ticket.updated_at
    )
    with pytest.raises(Conflict, match="changed meanwhile"):
        await store_change(fakes.tickets, ticket.move(S.SOLVED, fakes.clock.now()), ticket)
    assert (await fakes.tickets.get(ticket.number)).status is S.PENDING  # type: ignore[union-attr]


async def test_a_closed_ticket_takes_no_change_and_no_comment(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    ticket = await opened(request_scope, lena)
    update = await request_scope.get(UpdateTicket)
    await update(UpdateTicketCommand(sam, ticket.number, status="solved"))
    await update(UpdateTicketCommand(sam, ticket.number, status="closed"))
    with pytest.raises(IllegalMove, match="closed"):
        await update(UpdateTicketCommand(sam, ticket.number, priority="low"))
    with pytest.raises(IllegalMove, match="closed"):
        await (await request_scope.get(CommentOnTicket))(
            CommentOnTicketCommand(sam, ticket.number, "Hello")
        )


async def test_the_auto_close_closes_tickets_solved_past_the_window(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    update = await request_scope.get(UpdateTicket)
    old = await opened(request_scope, lena, subject="Old")
    await update(UpdateTicketCommand(sam, old.number, status="solved"))
    fakes.clock.advance(days=3)
    recent = await opened(request_scope, lena, subject="Recent")
    await update(UpdateTicketCommand(sam, recent.number, status="solved"))
    pending = await opened(request_scope, lena, subject="Pending")
    await update(UpdateTicketCommand(sam, pending.number, status="pending"))
    fakes.clock.advance(days=4, seconds=1)
    close = await request_scope.get(CloseSolvedTickets)
    assert await close() == 1
    assert await close() == 0
    statuses = {t.subject: t.status for t in await fakes.tickets.find(_all(), None, 10)}
    assert statuses == {"Old": S.CLOSED, "Recent": S.SOLVED, "Pending": S.PENDING}
    view = await (await request_scope.get(GetTicket))(sam, old.number)
    assert (view.timeline[-1].author, view.timeline[-1].new) == (None, "closed")


async def test_lists_filter_and_page_newest_first(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    lena, sam = await customer(fakes), await staff(fakes)
    for i in range(5):
        await opened(request_scope, lena, subject=f"T{i}", topic="sales" if i % 2 else "support")
    list_tickets = await request_scope.get(ListTickets)
    first = await list_tickets(ListTicketsQuery(sam, limit=2))
    assert [t.number for t in first.items] == [5, 4]
    second = await list_tickets(ListTicketsQuery(sam, limit=2, cursor=first.next_cursor))
    assert [t.number for t in second.items] == [3, 2]
    sales = await list_tickets(ListTicketsQuery(sam, topic="sales"))
    assert [t.number for t in sales.items] == [4, 2]
    with pytest.raises(InvalidInput) as bad:
        await list_tickets(
            ListTicketsQuery(sam, status="x", topic="x", assignee="!", priority="x", cursor="*")
        )
    assert {e.field for e in bad.value.errors} == {
        "status",
        "topic",
        "assignee",
        "priority",
        "cursor",
    }
    with pytest.raises(PermissionDenied):
        await list_tickets(ListTicketsQuery(new_user("eve")))


async def test_relaying_to_landbot_tells_permanent_from_transient(
    fakes: Fakes, request_scope: AsyncContainer
) -> None:
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    assert isinstance(await request_scope.get(RelayToLandbot), RelayToLandbot)  # as wired
    relay = RelayToLandbot(fakes.landbot, pause)
    assert await relay("1", "hello") is RelayOutcome.SENT
    fakes.landbot.script("2", 404)
    assert await relay("2", "hello") is RelayOutcome.REJECTED  # once: no retry
    assert pauses == []
    fakes.landbot.script("3", 429, 3.0)
    fakes.landbot.script("3", 503)
    assert await relay("3", "hello") is RelayOutcome.SENT  # the third attempt
    assert pauses == [3.0, 2.0]  # Landbot's Retry-After, then the backoff's second step
    pauses.clear()
    for _ in range(3):
        fakes.landbot.script("4", "timeout")
    fakes.landbot.script("4", 429, 3600.0)  # never reached
    assert await relay("4", "hello") is RelayOutcome.UNAVAILABLE
    assert pauses == [1.0, 2.0]
    pauses.clear()
    assert await relay("4", "hello") is RelayOutcome.SENT  # after the capped hint
    assert pauses == [30.0]
    assert fakes.landbot.sent == [("1", "hello"), ("3", "hello"), ("4", "hello")]


async def test_reopen_days_come_from_the_settings(fakes: Fakes) -> None:
    async with use_cases(fakes, ticket_reopen_days=1) as request:
        lena, sam = await customer(fakes), await staff(fakes)
        ticket = await opened(request, lena)
        await (await request.get(UpdateTicket))(
            UpdateTicketCommand(sam, ticket.number, status="solved")
        )
        fakes.clock.advance(days=1, seconds=1)
        assert await (await request.get(CloseSolvedTickets))() == 1
