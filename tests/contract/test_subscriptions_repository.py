"""The subscription repository and the inbound messages on the fake, SQLite and
PostgreSQL: the same answers."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.subscriptions import InMemoryInboundMessages, InMemorySubscriptionRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.subscriptions import SqlInboundMessages, SqlSubscriptionRepository
from adapters.sql.subscriptions_postgres import PostgresInboundMessages
from adapters.sql.transactions import SqlTransactionManager
from application.ports.recipients import RecipientRepository
from application.ports.subscriptions import InboundMessages, SubscriptionRepository
from application.ports.transactions import TransactionManager
from domain.errors import Conflict
from domain.ids import new_id
from domain.recipients import Contact, ExternalId, Recipient
from domain.subscriptions import (
    ConversationMessage,
    Direction,
    InboundSms,
    Intent,
    MessageKind,
    Status,
    Subscription,
)
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
TTL = timedelta(hours=24)
PHONE = "+15105552054"
PROGRAM = "Herald updates"


@dataclass
class Store:
    subscriptions: SubscriptionRepository
    inbound: InboundMessages
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
            InMemorySubscriptionRepository(memory),
            InMemoryInboundMessages(memory.dict_table(), tx),
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
        # As the container binds them: on PostgreSQL the webhook's write and reads go
        # through the direct pool.
        inbound: InboundMessages = SqlInboundMessages(session, dialect)
        if reads is not None:
            inbound = PostgresInboundMessages(reads, SqlInboundMessages(session, dialect))
        yield Store(
            SqlSubscriptionRepository(session, dialect),
            inbound,
            SqlRecipientRepository(session, dialect),
            SqlTransactionManager(session),
            session,
        )


async def recipient(store: Store) -> Recipient:
    made = Recipient.new(new_id(), ExternalId(f"sms:{new_id()}"), Contact(), NOW)
    await store.recipients.save(made)
    await store.save()
    return made


async def subscribe(store: Store, phone: str = PHONE) -> Subscription:
    r = await recipient(store)
    s, change = Subscription.new(new_id(), phone, PROGRAM, r.id, None, NOW, TTL)
    await store.subscriptions.add(s)
    await store.subscriptions.add_change(change)
    await store.save()
    return s


async def test_a_subscription_reads_back_as_stored(store: Store) -> None:
    s = await subscribe(store)
    assert await store.subscriptions.get(s.id) == s
    assert await store.subscriptions.live_for(PHONE, PROGRAM) == s
    assert await store.subscriptions.live_for(PHONE, "another") is None
    assert await store.subscriptions.get(new_id()) is None


async def test_a_phone_has_one_live_subscription_per_program(store: Store) -> None:
    first = await subscribe(store)
    second, _ = Subscription.new(new_id(), PHONE, PROGRAM, first.recipient_id, None, NOW, TTL)
    with pytest.raises(Conflict):
        await store.subscriptions.add(second)
    # The unit of work is still usable after the refusal.
    other, _ = Subscription.new(new_id(), PHONE, "another", first.recipient_id, None, NOW, TTL)
    await store.subscriptions.add(other)
    await store.save()
    assert await store.subscriptions.live_for(PHONE, "another") == other


async def test_many_phones_subscribe_through_one_connection(store: Store) -> None:
    # PostgreSQL plans a prepared statement generically from its sixth run; the
    # ON CONFLICT of `add` must still find the partial index then.
    for n in range(10):
        await subscribe(store, phone=f"+1510555{n:04d}")
        await store.save()
    with pytest.raises(Conflict):
        await subscribe(store, phone="+15105550003")


async def test_an_ended_subscription_frees_the_phone(store: Store) -> None:
    first = await subscribe(store)
    ended, change = first.move(Status.UNSUBSCRIBED, NOW, "STOP")
    await store.subscriptions.update(ended)
    await store.subscriptions.add_change(change)
    await store.save()
    assert await store.subscriptions.live_for(PHONE, PROGRAM) is None
    assert await store.subscriptions.latest_for(PHONE, PROGRAM) == ended
    later = NOW + timedelta(seconds=1)
    again, _ = Subscription.new(new_id(), PHONE, PROGRAM, first.recipient_id, None, later, TTL)
    await store.subscriptions.add(again)
    await store.save()
    assert await store.subscriptions.latest_for(PHONE, PROGRAM) == again
    assert [(c.from_status, c.to_status) for c in await store.subscriptions.changes(first.id)] == [
        (None, Status.PENDING),
        (Status.PENDING, Status.UNSUBSCRIBED),
    ]


async def test_lists_page_in_id_order_and_by_user(store: Store) -> None:
    r = await recipient(store)
    alice, bob = new_id(), new_id()
    made = []
    for i, user in enumerate([alice, bob, alice]):
        s, _ = Subscription.new(new_id(), f"+1510555200{i}", PROGRAM, r.id, user, NOW, TTL)
        await store.subscriptions.add(s)
        made.append(s)
    await store.save()
    made.sort(key=lambda s: s.id)
    assert await store.subscriptions.list_after(None, None, 10) == made
    assert await store.subscriptions.list_after(None, made[0].id, 1) == [made[1]]
    assert await store.subscriptions.list_after(alice, None, 10) == [
        s for s in made if s.user_id == alice
    ]


async def test_messages_keep_their_order_and_count_auto_replies(store: Store) -> None:
    s = await subscribe(store)
    sent = [
        ConversationMessage(
            s.id, Direction.OUTBOUND, "Reply YES", NOW, MessageKind.CONFIRMATION, new_id()
        ),
        ConversationMessage(
            s.id,
            Direction.INBOUND,
            "maybe",
            NOW,
            message_sid="SM1",
            intent=Intent.OTHER,
            confidence=0.4,
            classifier="local",
        ),
        ConversationMessage(
            s.id, Direction.OUTBOUND, "Reply YES or NO", NOW, MessageKind.REPROMPT, new_id()
        ),
        ConversationMessage(s.id, Direction.OUTBOUND, "Help text", NOW, MessageKind.HELP, new_id()),
    ]
    await store.subscriptions.add_messages(sent[:1])
    await store.subscriptions.add_messages([])
    await store.subscriptions.add_messages(sent[1:])
    await store.save()
    assert await store.subscriptions.messages(s.id) == sent
    assert await store.subscriptions.count_auto_replies(PHONE, NOW) == 2
    assert await store.subscriptions.count_auto_replies(PHONE, NOW + timedelta(seconds=1)) == 0
    assert await store.subscriptions.count_auto_replies("+15105550000", NOW) == 0


async def test_inbound_messages_are_stored_once(store: Store) -> None:
    sms = InboundSms("SM" + "a" * 32, PHONE, "+15005550006", "YES", NOW)
    assert await store.inbound.record(sms) is True
    await store.tx.rollback()  # recorded for good: it committed itself
    assert await store.inbound.get(sms.message_sid) == sms
    assert await store.inbound.record(sms) is False
    assert await store.inbound.claim(sms.message_sid, NOW) is True
    await store.save()
    found = await store.inbound.get(sms.message_sid)
    assert found is not None
    assert found.processed_at == NOW
    assert await store.inbound.claim(sms.message_sid, NOW) is False
    assert await store.inbound.claim("SMnone", NOW) is False
    assert await store.inbound.get("SMnone") is None


async def test_a_claim_rolls_back_with_the_unit_of_work(store: Store) -> None:
    sms = InboundSms("SM" + "b" * 32, PHONE, "+15005550006", "YES", NOW)
    await store.inbound.record(sms)
    assert await store.inbound.claim(sms.message_sid, NOW) is True
    await store.tx.rollback()
    if store.db is not None:
        store.db.expunge_all()
    assert await store.inbound.claim(sms.message_sid, NOW) is True


async def test_unprocessed_ones_oldest_first_each_counted(store: Store) -> None:
    def sms(letter: str, seconds: int) -> InboundSms:
        at = NOW + timedelta(seconds=seconds)
        return InboundSms("SM" + letter * 32, PHONE, "+15005550006", "YES", at)

    late, later, done, fresh = sms("c", 1), sms("d", 2), sms("e", 0), sms("f", 60)
    for message in (later, late, done, fresh):
        await store.inbound.record(message)
    await store.inbound.claim(done.message_sid, NOW)
    await store.save()
    before = NOW + timedelta(seconds=30)
    assert await store.inbound.unprocessed(before, 2, 1) == [late.message_sid]
    assert await store.inbound.unprocessed(before, 2, 10) == [late.message_sid, later.message_sid]
    await store.save()
    found = await store.inbound.get(late.message_sid)
    assert found is not None
    assert found.requeues == 2
    # Handed over `most` times: left out from now on.
    assert await store.inbound.unprocessed(before, 2, 10) == [later.message_sid]
    assert await store.inbound.unprocessed(before, 2, 10) == []


async def test_state_changes_roll_back_with_the_unit_of_work(store: Store) -> None:
    s = await subscribe(store)
    active, change = s.move(Status.ACTIVE, NOW, "YES")
    await store.subscriptions.update(active)
    await store.subscriptions.add_change(change)
    await store.tx.rollback()
    if store.db is not None:
        store.db.expunge_all()
    assert await store.subscriptions.get(s.id) == s
    assert len(await store.subscriptions.changes(s.id)) == 1


async def test_expired_pending_ones_longest_expired_first(store: Store) -> None:
    r = await recipient(store)
    made = []
    for i, ttl in enumerate([timedelta(hours=2), timedelta(hours=1), timedelta(hours=3)]):
        s, _ = Subscription.new(new_id(), f"+1510555100{i}", PROGRAM, r.id, None, NOW, ttl)
        await store.subscriptions.add(s)
        made.append(s)
    active, _ = made[2].move(Status.ACTIVE, NOW, "YES")
    await store.subscriptions.update(active)
    await store.save()
    later = NOW + timedelta(hours=3)
    assert await store.subscriptions.expired_pending(later, 10) == [made[1], made[0]]
    assert await store.subscriptions.expired_pending(later, 1) == [made[1]]
    assert await store.subscriptions.expired_pending(NOW + timedelta(minutes=59), 10) == []
