"""The fan-out repository on the fake, SQLite and PostgreSQL: the same answers. Its
subscribers come from the topics' and recipients' repositories on the same store, and
its notifications are read back through the notifications' repository."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.memory.fanouts import InMemoryFanoutRepository
from adapters.memory.notifications import InMemoryNotificationRepository
from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.topics import InMemoryTopicRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.fanouts import SqlFanoutRepository
from adapters.sql.fanouts_postgres import PostgresFanoutRepository
from adapters.sql.notifications import SqlNotificationRepository
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.topics import SqlTopicRepository
from adapters.sql.transactions import SqlTransactionManager
from application.ports.fanouts import Batch, FanoutRepository, PartClaim, Reached, TriggerKey
from application.ports.notifications import NotificationRepository
from application.ports.recipients import RecipientRepository
from application.ports.topics import TopicRepository
from application.ports.transactions import TransactionManager
from domain.errors import Conflict
from domain.fanouts import (
    CANCELED,
    Content,
    Fanout,
    FanoutStatus,
    Member,
    Message,
    Progress,
    Skipped,
)
from domain.ids import new_id
from domain.notifications import Status
from domain.preferences import Channel
from domain.recipients import (
    Channels,
    Contact,
    EmailAddress,
    ExternalId,
    PhoneNumber,
    QuietHours,
    Recipient,
    TimeZone,
)
from domain.topics import Topic
from tests.conftest import migrated_database

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
LEASE = NOW + timedelta(seconds=10)
EMAIL = (Channel.EMAIL,)
BOTH = (Channel.EMAIL, Channel.SMS)


@dataclass
class Store:
    fanouts: FanoutRepository
    topics: TopicRepository
    recipients: RecipientRepository
    notifications: NotificationRepository
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
        topics = InMemoryTopicRepository(recipients, memory)
        notifications = InMemoryNotificationRepository(memory)
        fanouts = InMemoryFanoutRepository(topics, recipients, notifications, memory)
        tx = InMemoryTransactionManager(memory)
        yield Store(fanouts, topics, recipients, notifications, tx, None)
        return
    async with (
        migrated_database(request, tmp_path) as (engine, _),
        make_session_factory(engine)() as session,
    ):
        dialect = dialect_of(engine)
        sql = PostgresFanoutRepository if dialect.is_postgresql else SqlFanoutRepository
        yield Store(
            sql(session),
            SqlTopicRepository(session, dialect),
            SqlRecipientRepository(session, dialect),
            SqlNotificationRepository(session),
            SqlTransactionManager(session),
            session,
        )


def fanout(topic: str = "orders", *, parts: int = 1, **changes: object) -> Fanout:
    made = Fanout(
        id=new_id(),
        topic=topic,
        status=FanoutStatus.EXPANDING,
        message=Message(title="Shipped", text="It left"),
        sendtime=NOW,
        channels=BOTH,
        exclude=(),
        urgent=False,
        caller=new_id(),
        created_by=None,
        subscribers=0,
        parts=parts,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


async def people(store: Store, count: int, prefix: str = "crm") -> list[Recipient]:
    made = [
        Recipient.new(
            new_id(),
            ExternalId(f"{prefix}-{i:03}"),
            Contact(email=EmailAddress(f"{prefix}{i}@example.com"), channels=Channels(email=True)),
            NOW,
        )
        for i in range(count)
    ]
    await store.recipients.save_many(made)
    await store.save()
    return made


async def subscribed(
    store: Store, key: str, recipients: list[Recipient], at: datetime = NOW
) -> None:
    if await store.topics.get(key) is None:
        await store.topics.save(Topic(key, key, "", False, NOW, NOW))
    ids = [str(r.external_id) for r in recipients]
    await store.topics.subscribe(key, ids, None, at)
    await store.save()


def notification(f: Fanout, m: Member, channel: Channel = Channel.EMAIL) -> Reached:
    nid = new_id()
    content = Content("Shipped", "It left")
    return Reached(nid, m.recipient_id, None, nid, channel, m.email or "", content, NOW, None)


def batch(cursor: UUID | None, skipped: Skipped, done: bool) -> Batch:
    return Batch(cursor, skipped, done, LEASE, NOW, NOW)


async def everyone(store: Store, f: Fanout, part: int = 0) -> list[Member]:
    return await store.fanouts.members(f, part, None, 10_000)


async def test_add_get_and_the_idempotency_key(store: Store) -> None:
    f = fanout()
    await store.fanouts.add(f, TriggerKey("k-1", "hash-1"), LEASE)
    await store.save()
    assert await store.fanouts.get(f.id) == f
    assert await store.fanouts.find_by_key(f.caller, "k-1") == (f, "hash-1")
    assert await store.fanouts.find_by_key(f.caller, "k-2") is None
    assert await store.fanouts.find_by_key(new_id(), "k-1") is None
    with pytest.raises(Conflict):
        await store.fanouts.add(fanout(caller=f.caller), TriggerKey("k-1", "other"), LEASE)
    await store.tx.rollback()
    other_caller = fanout()
    await store.fanouts.add(other_caller, TriggerKey("k-1", "hash-1"), LEASE)
    await store.save()
    assert await store.fanouts.get(other_caller.id) == other_caller


async def test_lists_newest_first_by_topic(store: Store) -> None:
    ids = sorted(new_id() for _ in range(3))  # ids of one millisecond order at random
    made = [fanout(key, id=i) for key, i in zip(("a", "b", "a"), ids, strict=True)]
    for f in made:
        await store.fanouts.add(f, None, LEASE)
    await store.save()
    assert await store.fanouts.list_before(None, None, 10) == made[::-1]
    assert await store.fanouts.list_before("a", None, 1) == [made[2]]
    assert await store.fanouts.list_before("a", made[2].id, 10) == [made[0]]


async def test_the_audience_leaves_the_excluded_out(store: Store) -> None:
    crowd = await people(store, 5)
    await subscribed(store, "orders", crowd)
    assert await store.fanouts.audience("orders", []) == 5
    assert await store.fanouts.audience("orders", ["crm-001", "crm-004", "nobody"]) == 3
    assert await store.fanouts.audience("elsewhere", []) == 0


async def test_parts_split_the_subscribers_at_trigger_time_in_id_order(store: Store) -> None:
    crowd = await people(store, 60)
    await subscribed(store, "orders", crowd[:50])
    f = fanout(parts=3, exclude=("crm-007", "crm-049"))
    await subscribed(store, "orders", crowd[50:], at=LATER)  # after the trigger
    slices = [await everyone(store, f, part) for part in range(3)]
    ids = [[m.recipient_id for m in s] for s in slices]
    assert all(s == sorted(s) for s in ids)
    together = [i for s in ids for i in s]
    wanted = {r.id for r in crowd[:50]} - {crowd[7].id, crowd[49].id}
    assert len(together) == len(set(together)) == 48
    assert set(together) == wanted
    assert all(len(s) >= 4 for s in ids)  # random tails spread them; 48 in 3 is ~16 each
    first = await store.fanouts.members(f, 1, None, 5)
    assert [m.recipient_id for m in first] == ids[1][:5]
    after = await store.fanouts.members(f, 1, first[-1].recipient_id, 1000)
    assert [m.recipient_id for m in after] == ids[1][5:]


async def test_a_member_carries_its_recipient_and_override(store: Store) -> None:
    r = Recipient.new(
        new_id(),
        ExternalId("full"),
        Contact(
            name="Ann",
            email=EmailAddress("ann@example.com"),
            phone=PhoneNumber("+14155550100"),
            timezone=TimeZone("Europe/Lisbon"),
            channels=Channels(email=True, sms=False),
            quiet_hours=QuietHours(time(21), time(8)),
        ),
        NOW,
    )
    await store.recipients.save(replace(r, sms_opted_out=True))
    await store.save()
    await store.topics.save(Topic("t", "t", "", False, NOW, NOW))
    await store.topics.subscribe("t", ["full"], EMAIL, NOW)
    await store.save()
    [m] = await everyone(store, fanout("t"))
    assert m == Member(
        recipient_id=r.id,
        external_id="full",
        user_id=None,
        name="Ann",
        email="ann@example.com",
        phone="+14155550100",
        locale=None,
        email_on=True,
        sms_on=False,
        sms_opted_out=True,
        quiet_hours=QuietHours(time(21), time(8)),
        timezone=TimeZone("Europe/Lisbon"),
        override=EMAIL,
    )


async def test_batches_move_the_cursor_and_the_counts(store: Store) -> None:
    crowd = await people(store, 5)
    await subscribed(store, "orders", crowd)
    f = fanout()
    await store.fanouts.add(f, None, LEASE)
    await store.save()
    assert await store.fanouts.claim(f.id, 0) == PartClaim(None)
    first = await store.fanouts.members(f, 0, None, 3)
    items = [notification(f, m) for m in first]
    skipped = Skipped(channel_off=3)
    await store.fanouts.store_batch(f.id, 0, items, batch(first[-1].recipient_id, skipped, False))
    await store.save()
    assert await store.fanouts.claim(f.id, 0) == PartClaim(first[-1].recipient_id)
    assert await store.fanouts.finish(f.id, LATER) is False
    rest = await store.fanouts.members(f, 0, first[-1].recipient_id, 3)
    more = [notification(f, m) for m in rest]
    await store.fanouts.store_batch(
        f.id, 0, more, batch(rest[-1].recipient_id, Skipped(2, 0, 1), True)
    )
    assert await store.fanouts.finish(f.id, LATER) is True
    await store.save()
    assert await store.fanouts.claim(f.id, 0) is None
    got = await store.fanouts.get(f.id)
    assert got is not None
    assert (got.status, got.updated_at) == (FanoutStatus.EXPANDED, LATER)
    assert await store.fanouts.progress([f.id]) == {f.id: Progress(5, Skipped(5, 0, 1))}
    assert await store.fanouts.by_status(f.id) == {Status.SCHEDULED: 5}
    stored = await store.notifications.get(items[0].id)
    assert stored is not None
    assert stored.fanout_id == f.id
    assert [e.status for e in await store.notifications.events(stored.id)] == [Status.SCHEDULED]


async def test_a_second_notification_of_a_recipient_and_channel_is_refused(store: Store) -> None:
    [one] = await people(store, 1)
    await subscribed(store, "orders", [one])
    f = fanout()
    await store.fanouts.add(f, None, LEASE)
    [m] = await everyone(store, f)
    await store.fanouts.store_batch(
        f.id, 0, [notification(f, m)], batch(m.recipient_id, Skipped(), False)
    )
    await store.save()
    with pytest.raises(Conflict):
        await store.fanouts.store_batch(
            f.id, 0, [notification(f, m)], batch(m.recipient_id, Skipped(), True)
        )
    await store.tx.rollback()
    sms = notification(f, m, Channel.SMS)  # another channel is another notification
    await store.fanouts.store_batch(f.id, 0, [sms], batch(m.recipient_id, Skipped(), True))
    await store.save()
    assert await store.fanouts.by_status(f.id) == {Status.SCHEDULED: 2}


async def test_a_fanout_is_expanded_only_once_every_part_is_done(store: Store) -> None:
    f = fanout(parts=2)
    await store.fanouts.add(f, None, LEASE)
    await store.fanouts.store_batch(f.id, 0, [], batch(None, Skipped(), True))
    assert await store.fanouts.finish(f.id, NOW) is False
    await store.save()
    await store.fanouts.store_batch(f.id, 1, [], batch(None, Skipped(), True))
    assert await store.fanouts.finish(f.id, NOW) is True
    await store.save()
    got = await store.fanouts.get(f.id)
    assert got is not None
    assert got.status is FanoutStatus.EXPANDED


async def test_progress_reads_many_fanouts_at_once(store: Store) -> None:
    crowd = await people(store, 2)
    await subscribed(store, "orders", crowd)
    busy, idle = fanout(parts=2), fanout()
    await store.fanouts.add(busy, None, LEASE)
    await store.fanouts.add(idle, None, LEASE)
    for part in (0, 1):
        made = [notification(busy, m) for m in await everyone(store, busy, part)]
        await store.fanouts.store_batch(busy.id, part, made, batch(None, Skipped(1, 0, 0), True))
    await store.save()
    assert await store.fanouts.progress([busy.id, idle.id]) == {
        busy.id: Progress(2, Skipped(2, 0, 0)),
        idle.id: Progress(0, Skipped()),
    }
    assert await store.fanouts.progress([]) == {}


async def test_cancel_stops_the_parts_and_cancels_what_is_not_sending(store: Store) -> None:
    crowd = await people(store, 3)
    await subscribed(store, "orders", crowd)
    f = fanout(parts=2)
    await store.fanouts.add(f, None, LEASE)
    members = await everyone(store, f, 0) + await everyone(store, f, 1)
    items = [notification(f, m) for m in members]
    await store.fanouts.store_batch(f.id, 0, items, batch(None, Skipped(), False))
    await store.save()
    assert await store.fanouts.cancel(f.cancel(LATER), LATER) == 3
    await store.save()
    assert await store.fanouts.claim(f.id, 0) is None
    assert await store.fanouts.claim(f.id, 1) is None
    got = await store.fanouts.get(f.id)
    assert got is not None
    assert got.status is FanoutStatus.CANCELED
    assert await store.fanouts.by_status(f.id) == {Status.CANCELED: 3}
    events = await store.notifications.events(items[0].id)
    assert (events[-1].status, events[-1].detail) == (Status.CANCELED, CANCELED)
    assert await store.fanouts.stalled(LEASE + timedelta(seconds=1), LEASE, 10) == []


async def test_parts_whose_lease_ran_out_are_leased_again(store: Store) -> None:
    f = fanout(parts=2)
    done_one = fanout(parts=1)
    for made in (f, done_one):
        await store.fanouts.add(made, None, LEASE)
    await store.fanouts.store_batch(f.id, 1, [], batch(None, Skipped(), True))
    await store.fanouts.store_batch(done_one.id, 0, [], batch(None, Skipped(), True))
    await store.save()
    assert await store.fanouts.stalled(NOW, LEASE, 10) == []  # not yet
    late = LEASE + timedelta(seconds=1)
    again = late + timedelta(seconds=10)
    assert await store.fanouts.stalled(late, again, 10) == [(f.id, 0)]
    await store.save()
    assert await store.fanouts.stalled(late, again, 10) == []  # leased again
