"""The topic repository on the fake, SQLite and PostgreSQL: the same answers. Its
recipients come from the recipients' repository on the same store."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.topics import InMemoryTopicRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.topics import SqlTopicRepository
from adapters.sql.transactions import SqlTransactionManager
from application.ports.recipients import RecipientRepository
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from domain.ids import new_id
from domain.preferences import Channel
from domain.recipients import Contact, ExternalId, Recipient
from domain.topics import Membership, SubscriptionChange, Topic
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
EMAIL = (Channel.EMAIL,)


@dataclass
class Store:
    topics: TopicRepository
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
        recipients = InMemoryRecipientRepository(memory)
        yield Store(
            InMemoryTopicRepository(recipients, memory),
            recipients,
            InMemoryTransactionManager(memory),
            None,
        )
        return
    async with (
        migrated_database(request, tmp_path) as (engine, _),
        make_session_factory(engine)() as session,
    ):
        dialect = dialect_of(engine)
        yield Store(
            SqlTopicRepository(session, dialect),
            SqlRecipientRepository(session, dialect),
            SqlTransactionManager(session),
            session,
        )


def topic(key: str, *, self_service: bool = False) -> Topic:
    return Topic(key, f"Topic {key}", "about it", self_service, NOW, NOW)


async def people(store: Store, *external_ids: str) -> list[Recipient]:
    made = [Recipient.new(new_id(), ExternalId(e), Contact(), NOW) for e in external_ids]
    await store.recipients.save_many(made)
    await store.save()
    return made


async def test_save_get_replace_delete(store: Store) -> None:
    assert await store.topics.get("orders") is None
    await store.topics.save(topic("orders"))
    await store.save()
    assert await store.topics.get("orders") == topic("orders")
    changed = replace(topic("orders"), name="Orders", self_service=True, updated_at=LATER)
    await store.topics.save(changed)
    await store.save()
    assert await store.topics.get("orders") == changed
    assert await store.topics.delete("orders") is True
    assert await store.topics.delete("orders") is False
    await store.save()
    assert await store.topics.get("orders") is None


async def test_pages_in_key_order_by_code_point(store: Store) -> None:
    for key in ["b", "a.z", "a_z", "a-z", "a:z"]:
        await store.topics.save(topic(key))
    await store.save()
    first = await store.topics.list_after(None, 3)
    assert [t.key for t in first] == ["a-z", "a.z", "a:z"]
    rest = await store.topics.list_after("a:z", 10)
    assert [t.key for t in rest] == ["a_z", "b"]


async def test_subscribe_counts_new_ones_and_names_the_unknown(store: Store) -> None:
    await people(store, "crm-1", "crm-2", "crm-3")
    await store.topics.save(topic("orders"))
    await store.save()
    first = await store.topics.subscribe("orders", ["crm-1", "nobody", "crm-2"], None, NOW)
    await store.save()
    assert first == SubscriptionChange(2, ["nobody"])
    again = await store.topics.subscribe("orders", ["crm-2", "crm-3", "ghost"], EMAIL, LATER)
    await store.save()
    assert again == SubscriptionChange(1, ["ghost"])
    assert await store.topics.count_subscribers("orders") == 3
    listed = await store.topics.subscribers_after("orders", None, 10)
    by_id = {s.external_id: (s.channels, s.created_at) for s in listed}
    # crm-2 was there already: it keeps its creation time and takes the new override.
    assert by_id == {"crm-1": (None, NOW), "crm-2": (EMAIL, NOW), "crm-3": (EMAIL, LATER)}
    # Without channels, those already there keep theirs.
    assert await store.topics.subscribe("orders", ["crm-2"], None, LATER) == SubscriptionChange(
        0, []
    )
    await store.save()
    kept = await store.topics.subscribers_after("orders", None, 10)
    assert {s.external_id: s.channels for s in kept}["crm-2"] == EMAIL


async def test_a_thousand_at_once(store: Store) -> None:
    ids = [f"crm-{i}" for i in range(1000)]
    await people(store, *ids)
    await store.topics.save(topic("big"))
    await store.save()
    assert await store.topics.subscribe("big", ids, None, NOW) == SubscriptionChange(1000, [])
    await store.save()
    assert await store.topics.count_subscribers("big") == 1000
    assert await store.topics.unsubscribe("big", ids) == SubscriptionChange(1000, [])


async def test_subscribers_page_in_recipient_id_order(store: Store) -> None:
    made = await people(store, "crm-1", "crm-2", "crm-3")
    await store.topics.save(topic("orders"))
    await store.topics.subscribe("orders", ["crm-3", "crm-1", "crm-2"], None, NOW)
    await store.save()
    ordered = sorted(made, key=lambda r: r.id)
    first = await store.topics.subscribers_after("orders", None, 2)
    assert [s.recipient_id for s in first] == [r.id for r in ordered[:2]]
    rest = await store.topics.subscribers_after("orders", first[-1].recipient_id, 2)
    assert [s.external_id for s in rest] == [ordered[2].external_id.value]


async def test_unsubscribe_removes_only_what_is_there(store: Store) -> None:
    await people(store, "crm-1", "crm-2")
    await store.topics.save(topic("orders"))
    await store.topics.save(topic("other"))
    await store.topics.subscribe("orders", ["crm-1", "crm-2"], None, NOW)
    await store.topics.subscribe("other", ["crm-1"], None, NOW)
    await store.save()
    removed = await store.topics.unsubscribe("orders", ["crm-1", "ghost"])
    await store.save()
    assert removed == SubscriptionChange(1, ["ghost"])
    assert await store.topics.unsubscribe("orders", ["crm-1"]) == SubscriptionChange(0, [])
    assert [s.external_id for s in await store.topics.subscribers_after("orders", None, 9)] == [
        "crm-2"
    ]
    assert await store.topics.count_subscribers("other") == 1


async def test_subscriptions_go_with_their_topic_and_their_recipient(store: Store) -> None:
    ann, bob = await people(store, "crm-1", "crm-2")
    await store.topics.save(topic("orders"))
    await store.topics.subscribe("orders", ["crm-1", "crm-2"], None, NOW)
    await store.save()
    await store.recipients.delete(ann.id)
    await store.save()
    assert [s.external_id for s in await store.topics.subscribers_after("orders", None, 9)] == [
        "crm-2"
    ]
    assert await store.topics.count_subscribers("orders") == 1
    await store.topics.delete("orders")
    await store.topics.save(topic("orders"))  # the same key again starts empty
    await store.save()
    assert await store.topics.count_subscribers("orders") == 0
    assert await store.recipients.get_by_id(bob.id) is not None  # the recipient stays


async def test_memberships_are_self_service_topics_and_ones_subscribed_to(store: Store) -> None:
    await people(store, "user:ann", "user:bob")
    for t in [topic("a", self_service=True), topic("b"), topic("c", self_service=True), topic("d")]:
        await store.topics.save(t)
    await store.topics.subscribe("b", ["user:ann"], EMAIL, NOW)
    await store.topics.subscribe("c", ["user:ann", "user:bob"], None, NOW)
    await store.topics.subscribe("d", ["user:bob"], None, NOW)
    await store.save()
    mine = await store.topics.memberships_of("user:ann", None, 10)
    assert mine == [
        Membership(topic("a", self_service=True), False, None),
        Membership(topic("b"), True, EMAIL),
        Membership(topic("c", self_service=True), True, None),
    ]
    assert await store.topics.memberships_of("user:ann", "a", 1) == [mine[1]]
    nobody = await store.topics.memberships_of("user:zed", None, 10)
    assert [m.topic.key for m in nobody] == ["a", "c"]


async def test_rolled_back_subscriptions_are_gone(store: Store) -> None:
    await people(store, "crm-1")
    await store.topics.save(topic("orders"))
    await store.save()
    await store.topics.subscribe("orders", ["crm-1"], None, NOW)
    await store.tx.rollback()
    if store.db is not None:
        store.db.expunge_all()
    assert await store.topics.count_subscribers("orders") == 0
