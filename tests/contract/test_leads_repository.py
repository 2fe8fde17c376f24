"""The lead repository and Landbot's inbox on the fake, SQLite and PostgreSQL: the same
answers."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.leads import InMemoryLandbotInbox, InMemoryLeadRepository
from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.leads import SqlLandbotInbox, SqlLeadRepository
from adapters.sql.leads_postgres import PostgresLandbotInbox
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.transactions import SqlTransactionManager
from application.ports.leads import LandbotInbox, LeadMatch, LeadRepository
from application.ports.recipients import RecipientRepository
from application.ports.transactions import TransactionManager
from domain.errors import Conflict
from domain.ids import new_id
from domain.leads import LandbotMessage, Lead, LeadContact, LeadMessage, lead_external_id
from domain.recipients import EmailAddress, PhoneNumber, Recipient
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@dataclass
class Store:
    leads: LeadRepository
    inbox: LandbotInbox
    recipients: RecipientRepository
    tx: TransactionManager
    db: AsyncSession | None

    async def save(self) -> None:
        await self.tx.commit()
        if self.db is not None:
            self.db.expunge_all()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = MemoryStore()
        tx = InMemoryTransactionManager(memory)
        yield Store(
            InMemoryLeadRepository(memory),
            InMemoryLandbotInbox(memory.dict_table(), tx),
            InMemoryRecipientRepository(memory),
            tx,
            None,
        )
        return
    async with (
        migrated_database(request, tmp_path) as (engine, reads),
        make_session_factory(engine)() as session,
    ):
        dialect = dialect_of(engine)
        # As the container binds it: on PostgreSQL the webhook's write and reads go
        # through the direct pool.
        inbox: LandbotInbox = SqlLandbotInbox(session, dialect)
        if reads is not None:
            inbox = PostgresLandbotInbox(reads, SqlLandbotInbox(session, dialect))
        yield Store(
            SqlLeadRepository(session, dialect),
            inbox,
            SqlRecipientRepository(session, dialect),
            SqlTransactionManager(session),
            session,
        )


async def add_lead(
    store: Store, customer: str, contact: LeadContact, at: datetime = NOW, **fields: object
) -> Lead:
    rid = new_id()
    made = Lead.new(new_id(), rid, contact, fields, at, at)  # type: ignore[arg-type]
    await store.recipients.save(Recipient.new(rid, lead_external_id(customer), made.contact(), at))
    await store.leads.add(made)
    await store.leads.link(customer, made.id, at)
    await store.save()
    return made


LENA = LeadContact("Lena Berg", EmailAddress("Lena@Example.com"), PhoneNumber("+34600111222"))


async def test_a_lead_reads_back_by_id_customer_email_and_phone(store: Store) -> None:
    lena = await add_lead(store, "101", LENA, plan="pro", score=3, vip=True)
    assert await store.leads.get(lena.id) == lena
    match = store.leads.match
    assert await match("101", None, None) == LeadMatch(lena, by_customer=True)
    assert await match("102", None, None) is None
    assert await match("102", "lena@example.com", None) == LeadMatch(lena, by_customer=False)
    assert await match("102", "Lena@Example.com", None) is None  # callers normalize
    assert await match("102", None, "+34600111222") == LeadMatch(lena, by_customer=False)
    assert await match("102", "other@example.com", "+34600111223") is None
    assert lena.fields == {"plan": "pro", "score": 3, "vip": True}


async def test_the_oldest_lead_answers_a_shared_email(store: Store) -> None:
    first = await add_lead(store, "1", LeadContact("A", EmailAddress("same@example.com")))
    await add_lead(
        store, "2", LeadContact("B", EmailAddress("same@example.com")), NOW + timedelta(seconds=1)
    )
    found = await store.leads.match("3", "same@example.com", None)
    assert found is not None
    assert found.lead.id == first.id


async def test_the_customer_id_wins_then_the_email_then_the_phone(store: Store) -> None:
    by_phone = await add_lead(store, "1", LeadContact("A", phone=PhoneNumber("+34600111222")))
    by_email = await add_lead(
        store, "2", LeadContact("B", EmailAddress("b@example.com")), NOW + timedelta(seconds=1)
    )
    named = await add_lead(store, "3", LeadContact("C"), NOW + timedelta(seconds=2))
    both = "b@example.com", "+34600111222"
    assert await store.leads.match("3", *both) == LeadMatch(named, by_customer=True)
    assert await store.leads.match("4", *both) == LeadMatch(by_email, by_customer=False)
    assert await store.leads.match("4", None, both[1]) == LeadMatch(by_phone, by_customer=False)


async def test_an_update_and_a_second_customer_id(store: Store) -> None:
    lena = await add_lead(store, "101", LENA)
    later = NOW + timedelta(minutes=1)
    changed = replace(
        lena.merge(LeadContact("Lena B"), {"plan": "pro"}, later, later),
        welcome_notification_id=new_id(),
    )
    await store.leads.update(changed)
    await store.leads.link("202", lena.id, later)
    await store.leads.link("202", new_id(), later)  # linked already: stays with its lead
    await store.save()
    assert await store.leads.get(lena.id) == changed
    assert await store.leads.match("202", None, None) == LeadMatch(changed, by_customer=True)
    assert await store.leads.customers(lena.id) == ["101", "202"]


async def test_search_by_prefix_of_name_email_or_phone_in_pages(store: Store) -> None:
    lena = await add_lead(store, "1", LENA)
    bo = await add_lead(store, "2", LeadContact("Bo", EmailAddress("bo@example.com")))
    assert await store.leads.search(None, after=None, limit=10) == sorted(
        [lena, bo], key=lambda x: x.id
    )
    assert await store.leads.search("lena b", after=None, limit=10) == [lena]
    assert await store.leads.search("LENA@", after=None, limit=10) == [lena]
    assert await store.leads.search("+3460", after=None, limit=10) == [lena]
    assert await store.leads.search("bo", after=None, limit=10) == [bo]
    assert await store.leads.search("100%", after=None, limit=10) == []
    first = await store.leads.search(None, after=None, limit=1)
    rest = await store.leads.search(None, after=first[0].id, limit=10)
    assert [*first, *rest] == sorted([lena, bo], key=lambda x: x.id)


async def test_a_conversation_in_the_order_sent_each_key_once(store: Store) -> None:
    lena = await add_lead(store, "1", LENA)

    def said(key: str, body: str, at: datetime, sender: str = "customer") -> LeadMessage:
        return LeadMessage(
            lena.id, key, sender, "Lena", "text", body, at, "Web", False, {"body": body}
        )

    assert await store.leads.add_message(said("k2", "second", NOW + timedelta(seconds=2)))
    assert await store.leads.add_message(said("k1", "first", NOW + timedelta(seconds=1), "bot"))
    assert not await store.leads.add_message(said("k1", "again", NOW))
    await store.save()
    messages = await store.leads.messages(lena.id)
    assert [(m.key, m.body, m.sender_type) for m in messages] == [
        ("k1", "first", "bot"),
        ("k2", "second", "customer"),
    ]
    assert messages[0].data == {"body": "first"}
    assert messages[0].channel == "Web"


def landbot(key: str, body: str = "hi") -> LandbotMessage:
    return LandbotMessage(
        key,
        "101",
        {"id": 101, "name": "Lena", "plan": "pro", "tags": ["a", "b"]},
        "customer",
        "Lena",
        "text",
        body,
        {"body": body},
        {"id": 1, "name": "Web"},
        NOW,
        NOW + timedelta(seconds=1),
    )


async def test_the_inbox_stores_each_key_once_and_claims_once(store: Store) -> None:
    assert await store.inbox.record([landbot("a"), landbot("b")]) == ["a", "b"]
    assert await store.inbox.record([landbot("b"), landbot("c")]) == ["c"]
    if store.db is not None:
        store.db.expunge_all()
    assert await store.inbox.get("a") == landbot("a")  # the customer's fields as sent
    assert await store.inbox.get("nope") is None
    assert await store.inbox.claim("a", NOW)
    assert not await store.inbox.claim("a", NOW)
    assert not await store.inbox.claim("nope", NOW)
    await store.save()
    claimed = await store.inbox.get("a")
    assert claimed is not None
    assert claimed.processed_at == NOW


async def test_an_unclaimed_message_stays_for_a_retry_after_a_rollback(store: Store) -> None:
    await store.inbox.record([landbot("a")])
    assert await store.inbox.claim("a", NOW)
    await store.tx.rollback()
    if store.db is not None:
        store.db.expunge_all()
    found = await store.inbox.get("a")
    assert found is not None
    assert found.processed_at is None


async def test_a_recipient_is_one_leads(store: Store) -> None:
    lena = await add_lead(store, "1", LENA)
    with pytest.raises(Conflict):
        await store.leads.add(Lead.new(new_id(), lena.recipient_id, LENA, {}, NOW, NOW))
    await store.tx.rollback()
    assert await store.leads.get(lena.id) == lena


async def test_the_inbox_forgets_what_was_processed_long_enough_ago(store: Store) -> None:
    await store.inbox.record([landbot("old"), landbot("new"), landbot("waiting")])
    assert await store.inbox.claim("old", NOW)
    assert await store.inbox.claim("new", NOW + timedelta(days=2))
    await store.save()
    assert await store.inbox.forget_processed(NOW + timedelta(days=1), 10) == 1
    await store.save()
    if store.db is not None:
        store.db.expunge_all()
    assert await store.inbox.get("old") is None
    assert await store.inbox.get("new") is not None
    assert await store.inbox.get("waiting") is not None  # never before it is worked
    assert await store.inbox.forget_processed(NOW + timedelta(days=9), 10) == 1


async def test_the_inbox_lists_what_is_left_unprocessed_oldest_first(store: Store) -> None:
    late = replace(landbot("late"), received_at=NOW + timedelta(seconds=30))
    await store.inbox.record([late, landbot("early"), landbot("done")])
    assert await store.inbox.claim("done", NOW)
    await store.save()
    cutoff = NOW + timedelta(minutes=1)
    assert await store.inbox.unprocessed(cutoff, 10) == ["early", "late"]
    assert await store.inbox.unprocessed(cutoff, 1) == ["early"]
    assert await store.inbox.unprocessed(NOW + timedelta(seconds=10), 10) == ["early"]
