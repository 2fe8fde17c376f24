"""The leads' use cases over the fakes, as the container builds them: intake and its
dedupe across conversations, the welcome email (once, with its subject, its delay, a
stored template winning), the tickets' seam, idempotent MessageHooks, the sweep of
messages left unprocessed, the staff rule."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.leads.forget_messages import ForgetLandbotMessages
from application.leads.get_lead import GetLead
from application.leads.handle_message import HandleLandbotMessage
from application.leads.list_leads import ListLeads, ListLeadsQuery
from application.leads.receive_messages import ReceiveLandbotMessages
from application.leads.record_lead import RecordLead, RecordLeadCommand
from application.leads.requeue_messages import RequeueLandbotMessages
from application.templates.save_template import SaveTemplate, SaveTemplateCommand
from domain.accounts import Role, User, Username
from domain.errors import InvalidInput, PermissionDenied
from domain.ids import new_id
from domain.leads import LandbotMessage, Lead, LeadMessage, lead_external_id, message_key
from domain.notifications import Notification
from domain.preferences import Channel
from domain.recipients import Contact, PhoneNumber, Recipient
from domain.templates import EmailPart
from tests.support.container import Fakes, use_cases

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def emails(fakes: Fakes) -> list[Notification]:
    return [n for n in fakes.notifications._rows.values() if n.channel is Channel.EMAIL]


def landbot(
    customer: dict[str, object], body: str = "hi", at: datetime = NOW, sender: str = "customer"
) -> LandbotMessage:
    cid = str(customer["id"])
    return LandbotMessage(
        message_key(None, cid, at.timestamp(), body),
        cid,
        customer,
        sender,
        None,
        "text",
        body,
        {"body": body},
        {"name": "Web"},
        at,
        NOW,
    )


async def lena_worked(fakes: Fakes) -> Lead:
    """The lead of one message by Lena, received and worked."""
    m = landbot({"id": 1, "name": "Lena"})
    async with use_cases(fakes) as request:
        await (await request.get(ReceiveLandbotMessages))([m])
        handled = await (await request.get(HandleLandbotMessage))(m.key)
    assert handled.lead is not None
    return handled.lead


def staff(role: Role = Role.AGENT) -> User:
    return User(new_id(), Username("sam"), "hash", role, NOW)


async def test_a_new_lead_with_an_email_is_welcomed_once_after_the_delay() -> None:
    fakes = Fakes(NOW)
    async with use_cases(fakes, lead_welcome_delay_seconds=90) as request:
        record = await request.get(RecordLead)
        done = await record(RecordLeadCommand(7, name="Lena", email="Lena@Example.com"))
    assert done.created
    assert done.external_id == "landbot:7"
    [welcome] = emails(fakes)
    assert (welcome.to, welcome.title) == ("lena@example.com", "Welcome, Lena")
    assert welcome.due_at == welcome.sendtime == NOW + timedelta(seconds=90)
    assert welcome.recipient_id == done.lead.recipient_id
    assert done.lead.welcome_notification_id == welcome.id
    assert fakes.wakeups.due == [NOW + timedelta(seconds=90)]
    recipient = await fakes.recipients.get_by_id(done.lead.recipient_id)
    assert recipient is not None
    assert recipient.external_id == lead_external_id("7")
    assert recipient.contact.channels.email
    # The same person again by another customer id: the same lead, no second welcome.
    async with use_cases(fakes) as request:
        again = await (await request.get(RecordLead))(
            RecordLeadCommand("8", email="lena@example.COM", phone="+34 600 111 222")
        )
    assert not again.created
    assert again.lead.id == done.lead.id
    assert again.lead.name == "Lena"  # not said again: kept
    assert again.lead.phone == "+34600111222"
    assert len(emails(fakes)) == 1
    assert await fakes.leads.customers(done.lead.id) == ["7", "8"]


async def test_a_stored_template_wins_and_no_email_means_no_welcome() -> None:
    fakes = Fakes(NOW)
    async with use_cases(fakes) as request:
        await (await request.get(SaveTemplate))(
            SaveTemplateCommand(
                staff(Role.ADMIN),
                "lead.welcome",
                "the welcome of a lead",
                ["name"],
                None,
                EmailPart("Hola {{ name }}", "Bienvenida, {{ name }}"),
            )
        )
    async with use_cases(fakes) as request:
        record = await request.get(RecordLead)
        await record(RecordLeadCommand(1, name="Bo"))
        assert emails(fakes) == []
        await record(RecordLeadCommand(2, email="x@example.com"))
    [welcome] = emails(fakes)
    assert (welcome.title, welcome.text) == ("Hola there", "Bienvenida, there")


async def test_a_message_opens_a_ticket_on_its_topic() -> None:
    fakes = Fakes(NOW)
    async with use_cases(fakes) as request:
        record = await request.get(RecordLead)
        done = await record(RecordLeadCommand(1, message="Refund please\nOrder 12"))
        await record(RecordLeadCommand(1, message="And a quote", topic="Sales"))
        await record(RecordLeadCommand(1))
    assert done.ticket_id == fakes.ticket_intake.opened[0].id
    assert [(t.topic, t.subject) for t in fakes.ticket_intake.opened] == [
        ("support", "Refund please"),
        ("sales", "And a quote"),
    ]


async def test_a_bad_webhook_block_names_every_field_and_stores_nothing() -> None:
    fakes = Fakes(NOW)
    async with use_cases(fakes) as request:
        with pytest.raises(InvalidInput) as refused:
            await (await request.get(RecordLead))(
                RecordLeadCommand("a/b", email="no", phone="1", topic="?", message=" ")
            )
    assert {e.field for e in refused.value.errors} == {"customer_id", "email", "phone", "topic"}
    assert fakes.leads._rows == {}
    assert fakes.ticket_intake.opened == []


async def test_messagehooks_store_once_and_hand_over_what_is_not_processed() -> None:
    fakes = Fakes(NOW)
    first = landbot({"id": 5, "name": "Lena"})
    async with use_cases(fakes) as request:
        receive = await request.get(ReceiveLandbotMessages)
        done = await receive([first, first])
        assert (done.stored, done.repeated) == (1, 1)
        again = await receive([first])  # stored, not processed yet: handed over again
        assert (again.stored, again.repeated) == (0, 1)
    assert fakes.lead_queue.keys == [first.key, first.key]
    async with use_cases(fakes) as request:
        handle = await request.get(HandleLandbotMessage)
        handled = await handle(first.key)
        assert handled.created
        assert (await handle(first.key)).lead is None  # a task run twice acts once
    async with use_cases(fakes) as request:
        await (await request.get(ReceiveLandbotMessages))([first])
    assert len(fakes.lead_queue.keys) == 2  # processed: not handed over again


async def test_a_customer_message_goes_on_the_open_ticket_and_stays_in_the_conversation() -> None:
    fakes = Fakes(NOW)
    async with use_cases(fakes) as request:
        made = await (await request.get(RecordLead))(RecordLeadCommand(5, message="help"))
    bot = landbot({"id": 5}, "How can I help?", NOW + timedelta(seconds=1), sender="bot")
    mine = landbot({"id": 5}, "Still broken", NOW + timedelta(seconds=2))
    for m in (mine, bot):  # out of order
        async with use_cases(fakes) as request:
            await (await request.get(ReceiveLandbotMessages))([m])
            await (await request.get(HandleLandbotMessage))(m.key)
    assert [c.body for c in fakes.ticket_intake.comments] == ["Still broken"]
    async with use_cases(fakes) as request:
        lead = await (await request.get(GetLead))(staff(), made.lead.id)
    assert [(m.body, m.on_ticket) for m in lead.messages] == [
        ("How can I help?", False),
        ("Still broken", True),
    ]


async def test_a_lead_found_by_phone_keeps_its_opt_out() -> None:
    fakes = Fakes(NOW)
    async with use_cases(fakes) as request:
        made = await (await request.get(RecordLead))(RecordLeadCommand(1, phone="+34600111222"))
    recipient = await fakes.recipients.get_by_id(made.lead.recipient_id)
    assert recipient is not None
    await fakes.recipients.save(recipient.opt_out("+34600111222"))
    m = landbot({"id": 2, "phone": "0034 600 111 222", "email": "not an email"})
    async with use_cases(fakes) as request:
        await (await request.get(ReceiveLandbotMessages))([m])
        handled = await (await request.get(HandleLandbotMessage))(m.key)
    assert handled.lead is not None
    assert handled.lead.id == made.lead.id
    assert handled.lead.fields == {"email": "not an email"}  # kept, not used
    after = await fakes.recipients.get_by_id(made.lead.recipient_id)
    assert after is not None
    assert after.sms_opted_out


async def test_a_recipient_with_the_leads_external_id_is_taken_over() -> None:
    fakes = Fakes(NOW)
    existing = Recipient.new(
        new_id(), lead_external_id("9"), Contact(phone=PhoneNumber("+15105552054")), NOW
    )
    await fakes.recipients.save(existing)
    async with use_cases(fakes) as request:
        made = await (await request.get(RecordLead))(RecordLeadCommand(9, name="Ann"))
    assert made.lead.recipient_id == existing.id


async def test_leads_are_for_staff_only() -> None:
    fakes = Fakes(NOW)
    async with use_cases(fakes) as request:
        await (await request.get(RecordLead))(RecordLeadCommand(1, name="Lena"))
        list_leads = await request.get(ListLeads)
        with pytest.raises(PermissionDenied):
            await list_leads(ListLeadsQuery(staff(Role.USER)))
        page = await list_leads(ListLeadsQuery(staff(), q="le"))
        assert [lead.name for lead in page.items] == ["Lena"]
        with pytest.raises(PermissionDenied):
            await (await request.get(GetLead))(staff(Role.USER), page.items[0].id)


async def test_messages_are_forgotten_30_days_after_they_were_worked() -> None:
    fakes = Fakes(NOW)
    lead = await lena_worked(fakes)
    fakes.clock.advance(days=29)
    async with use_cases(fakes) as request:
        assert await (await request.get(ForgetLandbotMessages))() == 0
    fakes.clock.advance(days=2)
    async with use_cases(fakes) as request:
        assert await (await request.get(ForgetLandbotMessages))() == 1
    assert fakes.landbot_rows == {}
    assert [x.body for x in await fakes.leads.messages(lead.id)] == ["hi"]


async def test_the_sweep_hands_over_what_was_left_unprocessed_a_minute_ago() -> None:
    fakes = Fakes(NOW)
    left, done = landbot({"id": 1}, "left"), landbot({"id": 2}, "done")
    async with use_cases(fakes) as request:
        await (await request.get(ReceiveLandbotMessages))([left, done])
        await (await request.get(HandleLandbotMessage))(done.key)
    fakes.lead_queue.keys.clear()
    async with use_cases(fakes) as request:
        assert await (await request.get(RequeueLandbotMessages))() == 0  # not a minute yet
        fakes.clock.advance(seconds=61)
        assert await (await request.get(RequeueLandbotMessages))() == 1
    assert fakes.lead_queue.keys == [left.key]


class CommitsBetweenReads:
    """The leads repository while another worker commits a second conversation of the
    lead (its customer id and its message) just after the first of GetLead's reads."""

    def __init__(self, fakes: Fakes) -> None:
        self._inner = fakes.leads
        self.committed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def _commit_once(self, lead_id: UUID) -> None:
        if not self.committed:
            self.committed = True
            await self._inner.link("999", lead_id, NOW)
            await self._inner.add_message(
                LeadMessage(lead_id, "k-999", "customer", "Lena", "text", "Me again", NOW)
            )

    async def messages(self, lead_id: UUID) -> list[LeadMessage]:
        found = await self._inner.messages(lead_id)
        await self._commit_once(lead_id)
        return list(found)

    async def customers(self, lead_id: UUID) -> list[str]:
        found = await self._inner.customers(lead_id)
        await self._commit_once(lead_id)
        return list(found)


async def test_every_message_shown_has_its_customer_id_listed() -> None:
    fakes = Fakes(NOW)
    lead = await lena_worked(fakes)
    racing = CommitsBetweenReads(fakes)
    shown = await GetLead(racing, fakes.recipients, fakes.ticket_intake)(staff(), lead.id)
    assert racing.committed
    # The second conversation's message may be shown only with its customer id.
    shown_again = "Me again" in [x.body for x in shown.messages]
    assert not shown_again or "999" in shown.customers, shown.customers
