"""The recipient use cases, built by the container over in-memory fakes."""

from dataclasses import replace

import pytest

from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from application.accounts.sign_up import CreateAdmin, SignUp, SignUpCommand
from application.recipients.bulk_upsert import BulkEntry, BulkUpsertRecipients, Outcome
from application.recipients.fields import ChannelsInput, RecipientInput
from application.recipients.get_recipient import GetRecipient
from application.recipients.put_recipient import PutRecipient, PutRecipientCommand
from domain.accounts import Role
from domain.errors import Conflict, InvalidInput, PermissionDenied
from domain.ids import new_id
from domain.recipients import Contact, ExternalId, Recipient
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases


async def test_an_account_gets_its_recipient_in_the_same_commit() -> None:
    fakes = Fakes()
    async with use_cases(fakes) as request:
        user = await (await request.get(SignUp))(SignUpCommand("Ann", "password123"))
        admin = await (await request.get(CreateAdmin))(SignUpCommand("root", "password123"))
        tx = await request.get(InMemoryTransactionManager)
    assert tx.commits == 2
    ann = await fakes.recipients.get(ExternalId("user:ann"))
    assert ann is not None
    assert (ann.user_id, ann.contact) == (user.id, Contact())
    root = await fakes.recipients.get_by_user(admin.id)
    assert root is not None
    assert root.external_id.value == "user:root"


async def test_a_recipient_made_beforehand_becomes_the_accounts() -> None:
    fakes = Fakes()
    early = Recipient.new(new_id(), ExternalId("user:ann"), Contact(name="Ann"), fakes.clock.now())
    await fakes.recipients.save(early)
    async with use_cases(fakes) as request:
        user = await (await request.get(SignUp))(SignUpCommand("ann", "password123"))
    linked = await fakes.recipients.get(early.external_id)
    assert linked == replace(early, user_id=user.id)


async def test_a_failed_signup_leaves_its_recipient_out() -> None:
    fakes = Fakes()
    async with use_cases(fakes) as request:
        sign_up = await request.get(SignUp)
        await sign_up(SignUpCommand("ann", "password123"))
        with pytest.raises(Conflict):
            await sign_up(SignUpCommand("ANN", "password123"))
    assert [r.external_id.value for r in fakes.recipients.rows.values()] == ["user:ann"]


async def test_recipients_are_for_admins() -> None:
    fakes = Fakes()
    user, admin = new_user("ann"), new_user("root", Role.ADMIN)
    async with use_cases(fakes) as request:
        put = await request.get(PutRecipient)
        with pytest.raises(PermissionDenied):
            await put(PutRecipientCommand(user, "crm-1", RecipientInput()))
        with pytest.raises(PermissionDenied):
            await (await request.get(GetRecipient))(user, "crm-1")
        made = await put(PutRecipientCommand(admin, "crm-1", RecipientInput(email="a@b.co")))
    assert made.created
    assert (made.recipient.contact.channels.email, made.recipient.contact.channels.sms) == (
        True,
        False,
    )


async def test_bulk_reports_each_entry() -> None:
    fakes = Fakes()
    admin = new_user("root", Role.ADMIN)
    entries = [
        BulkEntry("crm-1", RecipientInput(phone="+15105552054")),
        BulkEntry("crm-2", RecipientInput(locale="klingon", timezone="Nowhere/Else")),
        BulkEntry("crm-1", RecipientInput()),
        BulkEntry("crm-3", RecipientInput(channels=ChannelsInput(email=True))),
    ]
    async with use_cases(fakes) as request:
        bulk = await request.get(BulkUpsertRecipients)
        results = await bulk(admin, entries)
        with pytest.raises(InvalidInput):
            await bulk(admin, [])
    assert [(r.index, r.outcome) for r in results] == [
        (0, Outcome.CREATED),
        (1, Outcome.INVALID),
        (2, Outcome.INVALID),
        (3, Outcome.CREATED),
    ]
    assert [e.field for e in results[1].errors] == ["locale", "timezone"]
    assert sorted(r.external_id.value for r in fakes.recipients.rows.values()) == ["crm-1", "crm-3"]


class LateRecipients(InMemoryRecipientRepository):
    """Misses a recipient on the first read, as a PUT does when a concurrent one commits
    the same external id between its read and its write."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.missed = False

    async def get(self, external_id: ExternalId) -> Recipient | None:
        if not self.missed:
            self.missed = True
            return None
        return await super().get(external_id)


async def test_of_two_puts_creating_one_recipient_the_second_replaces() -> None:
    fakes = Fakes()
    fakes.recipients = LateRecipients(fakes.store)
    first = Recipient.new(new_id(), ExternalId("crm-1"), Contact(name="First"), fakes.clock.now())
    await fakes.recipients.save(first)
    admin = new_user("root", Role.ADMIN)
    async with use_cases(fakes) as request:
        put = await request.get(PutRecipient)
        result = await put(PutRecipientCommand(admin, "crm-1", RecipientInput(name="Second")))
    assert not result.created
    assert (result.recipient.id, result.recipient.contact.name) == (first.id, "Second")
    assert [r.contact.name for r in fakes.recipients.rows.values()] == ["Second"]
