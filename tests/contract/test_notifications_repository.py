"""NotificationRepository, DeliveryRepository, IdempotencyKeys, ProviderEventLog and
ContactPreferenceRepository (over the recipients): the in-memory fakes and SQL on SQLite
(the portable adapters) and PostgreSQL (the ones the container picks there) must behave
alike."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.memory.accounts import InMemoryUserRepository
from adapters.memory.notifications import (
    InMemoryIdempotencyKeys,
    InMemoryNotificationIntake,
    InMemoryNotificationRepository,
    InMemoryProviderEventLog,
)
from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from adapters.sql.accounts import SqlUserRepository
from adapters.sql.database import make_session_factory
from adapters.sql.dialect import dialect_of
from adapters.sql.notifications import (
    SqlDeliveryRepository,
    SqlIdempotencyKeys,
    SqlNotificationIntake,
    SqlNotificationRepository,
    SqlProviderEventLog,
)
from adapters.sql.notifications_postgres import (
    PostgresDeliveryRepository,
    PostgresNotificationIntake,
)
from adapters.sql.recipients import SqlRecipientRepository
from adapters.sql.recipients_postgres import PostgresRecipientReader
from adapters.sql.transactions import SqlTransactionManager
from application.ports.notifications import (
    Claimed,
    DeliveryOutcome,
    DeliveryRepository,
    IdempotencyKeys,
    IdempotencyRecord,
    NewNotification,
    NotificationFilter,
    NotificationIntake,
    NotificationRepository,
    ProviderEventLog,
    ProviderReport,
)
from application.ports.preferences import ContactPreferenceRepository
from application.ports.recipients import RecipientReader, RecipientRepository
from application.ports.transactions import TransactionManager
from application.preferences.contact_preferences import RecipientContactPreferences
from domain.errors import Conflict
from domain.ids import new_id
from domain.notifications import Notification, Status
from domain.preferences import Channel
from tests.conftest import migrated_database
from tests.support.accounts import new_user

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = NOW + timedelta(seconds=60)


@dataclass
class Store:
    intake: NotificationIntake
    notifications: NotificationRepository
    deliveries: DeliveryRepository
    keys: IdempotencyKeys
    events: ProviderEventLog
    prefs: ContactPreferenceRepository
    recipients: RecipientRepository
    reader: RecipientReader  # the one the container picks: the direct pool's on PostgreSQL
    user_id: UUID
    other_user_id: UUID
    tx: TransactionManager
    db: AsyncSession | None
    engine: AsyncEngine | None = None

    async def save(self) -> None:
        await self.tx.commit()
        if self.db is not None:
            self.db.expunge_all()

    async def undo(self) -> None:
        await self.tx.rollback()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    ann, bob = new_user("ann"), new_user("bob")
    if request.param == "memory":
        memory = MemoryStore()
        table = InMemoryNotificationRepository(memory)  # the fake serves both ports
        people = InMemoryUserRepository(memory)
        await people.add(ann)
        await people.add(bob)
        recipients = InMemoryRecipientRepository(memory)
        keys, tx = InMemoryIdempotencyKeys(memory), InMemoryTransactionManager(memory)
        yield Store(
            InMemoryNotificationIntake(table, keys, tx),
            table,
            table,
            keys,
            InMemoryProviderEventLog(memory),
            RecipientContactPreferences(recipients, people),
            recipients,
            recipients,
            ann.id,
            bob.id,
            tx,
            None,
        )
        return
    async with (
        migrated_database(request, tmp_path, pool_size=4) as (engine, pool),
        make_session_factory(engine)() as session,
    ):
        users = SqlUserRepository(session)
        await users.add(ann)
        await users.add(bob)
        await session.commit()
        dialect = dialect_of(engine)
        sql_recipients = SqlRecipientRepository(session, dialect)
        yield Store(
            # the intake the container picks: one statement on the direct pool, on PostgreSQL
            SqlNotificationIntake(session) if pool is None else PostgresNotificationIntake(pool),
            SqlNotificationRepository(session),
            deliveries(session),
            SqlIdempotencyKeys(session),
            SqlProviderEventLog(session),
            RecipientContactPreferences(sql_recipients, users),
            sql_recipients,
            sql_recipients if pool is None else PostgresRecipientReader(pool),
            ann.id,
            bob.id,
            SqlTransactionManager(session),
            session,
            engine,
        )


def deliveries(session: AsyncSession) -> DeliveryRepository:
    """The engine's adapter the container picks for this database."""
    postgres = dialect_of(cast(AsyncEngine, session.bind)).is_postgresql
    return PostgresDeliveryRepository(session) if postgres else SqlDeliveryRepository(session)


def make(
    store: Store,
    *,
    due: datetime = NOW,
    user_id: UUID | None = None,
    created_by: UUID | None = None,
    channel: Channel = Channel.SMS,
    to: str = "+15105552054",
    status: Status = Status.SCHEDULED,
) -> Notification:
    """A notification (scheduled, unless said) for the store's user or `user_id`, due at `due`."""
    owner = user_id or store.user_id
    return Notification(
        id=new_id(),
        user_id=owner,
        created_by=created_by or owner,
        channel=channel,
        to=to,
        title="T",
        text="body",
        sendtime=due,
        due_at=due,
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


async def status_of(store: Store, notification_id: UUID) -> Status:
    n = await store.notifications.get(notification_id)
    assert n is not None
    return n.status


async def added(store: Store, *notifications: Notification) -> list[Notification]:
    await store.intake.add([NewNotification(n) for n in notifications])
    await store.save()
    return list(notifications)


async def test_add_get_and_history(store: Store) -> None:
    [n] = await added(store, make(store))
    assert await store.notifications.get(n.id) == n
    assert await store.notifications.get(new_id()) is None
    [event] = await store.notifications.events(n.id)
    assert event.status is Status.SCHEDULED
    assert event.at == NOW


async def test_a_group_is_found_and_a_recipient_lists_its_own(store: Store) -> None:
    """One POST's notifications share the first one's id as their group; a recipient
    without an account, and a notification an API key made (no creator), are stored."""
    recipient = new_id()
    first = replace(make(store), user_id=None, created_by=None, recipient_id=recipient)
    second = replace(make(store, channel=Channel.EMAIL, to="a@b.co"), group_id=first.id)
    second = replace(second, user_id=None, created_by=None, recipient_id=recipient)
    [alone] = await added(store, make(store))
    await added(store, first, second)
    assert await store.notifications.get(first.id) == first
    assert await store.notifications.group(first.id) == sorted([first, second], key=lambda n: n.id)
    assert await store.notifications.group(alone.id) == [alone]
    theirs = NotificationFilter(recipient_id=recipient)
    found = await store.notifications.find(theirs, limit=10, before=None)
    assert [n.id for n in found] == sorted([first.id, second.id], reverse=True)


async def test_a_first_event_may_say_why_it_waits(store: Store) -> None:
    n = make(store)
    await store.intake.add([NewNotification(n, "deferred until 08:00")])
    [event] = await store.notifications.events(n.id)
    assert event.detail == "deferred until 08:00"


async def test_list_is_newest_first_filtered_and_paged(store: Store) -> None:
    mine = await added(store, *(make(store) for _ in range(5)))
    await added(store, make(store, user_id=store.other_user_id))
    # UUIDv7 ids order by creation time (to the millisecond): newest first is by id.
    newest_first = sorted((n.id for n in mine), reverse=True)
    ann = NotificationFilter(involving=store.user_id)
    page = await store.notifications.find(ann, limit=3, before=None)
    assert [n.id for n in page] == newest_first[:3]
    rest = await store.notifications.find(ann, limit=3, before=page[-1].id)
    assert [n.id for n in rest] == newest_first[3:]
    await store.notifications.cancel(mine[0].id, NOW)
    await store.save()
    canceled = NotificationFilter(involving=store.user_id, status=Status.CANCELED)
    assert [n.id for n in await store.notifications.find(canceled, limit=10, before=None)] == [
        mine[0].id
    ]


async def test_a_notification_is_listed_for_its_recipient_and_its_creator(store: Store) -> None:
    # Ann (an admin, say) notifies Bob: both see it; Bob's own and Ann's own stay apart.
    for_bob = make(store, user_id=store.other_user_id, created_by=store.user_id)
    bobs_own = make(store, user_id=store.other_user_id)
    anns_own = make(store, channel=Channel.EMAIL, to="ann@example.com")
    await added(store, for_bob, bobs_own, anns_own)

    async def ids(where: NotificationFilter) -> set[UUID]:
        return {n.id for n in await store.notifications.find(where, limit=10, before=None)}

    assert await ids(NotificationFilter(involving=store.user_id)) == {for_bob.id, anns_own.id}
    assert await ids(NotificationFilter(involving=store.other_user_id)) == {for_bob.id, bobs_own.id}
    assert await ids(NotificationFilter(user_id=store.other_user_id)) == {for_bob.id, bobs_own.id}
    assert await ids(NotificationFilter(channel=Channel.EMAIL)) == {anns_own.id}
    assert await ids(NotificationFilter()) == {for_bob.id, bobs_own.id, anns_own.id}
    assert await ids(NotificationFilter(since=NOW, until=NOW + timedelta(seconds=1))) == {
        for_bob.id,
        bobs_own.id,
        anns_own.id,
    }
    assert await ids(NotificationFilter(until=NOW)) == set()
    histories = await store.notifications.histories([for_bob.id, anns_own.id])
    assert [e.status for e in histories[for_bob.id]] == [Status.SCHEDULED]
    assert set(histories) == {for_bob.id, anns_own.id}


async def test_claim_due_takes_only_due_rows_once(store: Store) -> None:
    early, late, future = await added(
        store,
        make(store, due=NOW - timedelta(seconds=2)),
        make(store, due=NOW),
        make(store, due=NOW + timedelta(seconds=5)),
    )
    assert await store.deliveries.next_due_at() == early.due_at
    claimed = await store.deliveries.claim_due(NOW, 10, LEASE)
    await store.save()
    # In no particular order, each with its due time.
    assert sorted(claimed, key=lambda c: c.due_at) == [
        Claimed(early.id, early.due_at),
        Claimed(late.id, late.due_at),
    ]
    assert await store.deliveries.claim_due(NOW, 10, LEASE) == []
    assert await store.deliveries.next_due_at() == future.due_at
    assert await status_of(store, early.id) is Status.QUEUED


async def test_count_due_counts_scheduled_rows_due_by_then(store: Store) -> None:
    await added(
        store,
        make(store, due=NOW - timedelta(seconds=2)),
        make(store, due=NOW),
        make(store, due=NOW + timedelta(seconds=5)),
        make(store, due=NOW - timedelta(seconds=9), status=Status.SENT),
    )
    assert await store.deliveries.count_due(NOW) == 2
    assert await store.deliveries.count_due(NOW + timedelta(seconds=5)) == 3
    await store.deliveries.claim_due(NOW, 1, LEASE)
    await store.save()
    assert await store.deliveries.count_due(NOW) == 1  # claimed rows are queued


async def test_claim_due_respects_the_limit(store: Store) -> None:
    await added(store, *(make(store, due=NOW - timedelta(seconds=i)) for i in range(5)))
    first = await store.deliveries.claim_due(NOW, 2, LEASE)
    second = await store.deliveries.claim_due(NOW, 10, LEASE)
    assert len(first) == 2
    assert len(second) == 3
    assert not {c.id for c in first} & {c.id for c in second}
    assert max(c.due_at for c in first) <= min(c.due_at for c in second)  # earliest first


async def test_claim_due_looks_ahead(store: Store) -> None:
    soon, later = await added(
        store,
        make(store, due=NOW + timedelta(seconds=1)),
        make(store, due=NOW + timedelta(seconds=9)),
    )
    claimed = await store.deliveries.claim_due(NOW + timedelta(seconds=2), 10, LEASE, now=NOW)
    await store.save()
    assert claimed == [Claimed(soon.id, soon.due_at)]
    stored = await store.notifications.get(soon.id)
    assert stored is not None
    assert stored.status is Status.QUEUED
    assert stored.updated_at == NOW
    assert await store.deliveries.next_due_at() == later.due_at


async def test_claim_for_sending_is_idempotent(store: Store) -> None:
    a, b = await added(store, make(store), make(store))
    await store.deliveries.claim_due(NOW, 10, LEASE)
    await store.save()
    claimed = await store.deliveries.claim_for_sending([a.id, b.id, new_id()], NOW, LEASE)
    await store.save()
    assert sorted(n.id for n in claimed) == sorted([a.id, b.id])
    assert all(n.status is Status.SENDING and n.attempts == 1 for n in claimed)
    assert await store.deliveries.claim_for_sending([a.id, b.id], NOW, LEASE) == []


async def test_outcomes_are_recorded(store: Store) -> None:
    a, b, c = await added(store, make(store), make(store), make(store))
    await store.deliveries.claim_due(NOW, 10, LEASE)
    await store.deliveries.claim_for_sending([a.id, b.id, c.id], NOW, LEASE)
    retry_at = NOW + timedelta(seconds=30)
    later = NOW + timedelta(seconds=1)
    await store.deliveries.record_outcomes(
        [
            DeliveryOutcome(a.id, Status.SENT, "ok", provider="twilio", provider_message_id="SM1"),
            DeliveryOutcome(
                b.id, Status.SCHEDULED, "retry", due_at=retry_at, error_code="20500", error="boom"
            ),
            DeliveryOutcome(c.id, Status.FAILED, "refused", error_code="21211", error="bad number"),
        ],
        later,
    )
    await store.save()
    sent, retried, failed = [await store.notifications.get(i) for i in (a.id, b.id, c.id)]
    assert sent is not None
    assert retried is not None
    assert failed is not None
    assert (sent.status, sent.provider, sent.provider_message_id) == (Status.SENT, "twilio", "SM1")
    assert (retried.status, retried.due_at, retried.last_error_code) == (
        Status.SCHEDULED,
        retry_at,
        "20500",
    )
    assert (failed.status, failed.last_error) == (Status.FAILED, "bad number")
    assert [e.status for e in await store.notifications.events(a.id)] == [
        Status.SCHEDULED,
        Status.QUEUED,
        Status.SENDING,
        Status.SENT,
    ]
    assert await store.deliveries.next_due_at() == retry_at


async def test_provider_status_only_moves_forward(store: Store) -> None:
    [n] = await added(store, make(store))
    await store.deliveries.claim_due(NOW, 10, LEASE)
    await store.deliveries.claim_for_sending([n.id], NOW, LEASE)
    await store.deliveries.record_outcomes(
        [DeliveryOutcome(n.id, Status.SENT, "ok", provider="twilio", provider_message_id="SM9")],
        NOW,
    )
    await store.save()
    apply = store.deliveries.apply_provider_status
    delivered = await apply(ProviderReport(Status.DELIVERED, "d", provider_message_id="SM9"), NOW)
    assert delivered is not None
    assert delivered.status is Status.DELIVERED
    assert await apply(ProviderReport(Status.SENT, "late", provider_message_id="SM9"), NOW) is None
    assert await apply(ProviderReport(Status.FAILED, "x", notification_id=n.id), NOW) is None
    assert await apply(ProviderReport(Status.SENT, "?", provider_message_id="SMnone"), NOW) is None
    await store.save()
    assert await status_of(store, n.id) is Status.DELIVERED


async def test_a_provider_status_never_cancels(store: Store) -> None:
    # Canceling is the user's decision (cancel()); a callback saying "canceled" for a
    # scheduled notification must not stop its send.
    [n] = await added(store, make(store))
    canceled = await store.deliveries.apply_provider_status(
        ProviderReport(Status.CANCELED, "provider says canceled", notification_id=n.id), NOW
    )
    assert canceled is None
    await store.save()
    assert await status_of(store, n.id) is Status.SCHEDULED


async def test_provider_failure_records_the_error(store: Store) -> None:
    [n] = await added(store, make(store))
    await store.deliveries.claim_due(NOW, 10, LEASE)
    await store.deliveries.claim_for_sending([n.id], NOW, LEASE)
    await store.deliveries.record_outcomes(
        [DeliveryOutcome(n.id, Status.SENT, "ok", provider_message_id="SM7")], NOW
    )
    failed = await store.deliveries.apply_provider_status(
        ProviderReport(
            Status.FAILED,
            "undelivered",
            provider_message_id="SM7",
            error_code="30003",
            error="Unreachable handset",
        ),
        NOW,
    )
    assert failed is not None
    assert failed.last_error_code == "30003"


async def test_cancel_only_before_sending(store: Store) -> None:
    a, b = await added(store, make(store), make(store))
    assert await store.notifications.cancel(a.id, NOW)
    await store.deliveries.claim_due(NOW, 10, LEASE)
    await store.deliveries.claim_for_sending([b.id], NOW, LEASE)
    assert not await store.notifications.cancel(b.id, NOW)
    assert not await store.notifications.cancel(a.id, NOW)
    await store.save()
    assert await status_of(store, a.id) is Status.CANCELED
    assert await store.deliveries.claim_due(NOW + timedelta(hours=1), 10, LEASE) == []


async def test_expired_leases_are_recovered(store: Store) -> None:
    a, b, c = await added(store, make(store), make(store), make(store))
    await store.deliveries.claim_due(NOW, 10, LEASE)
    await store.deliveries.claim_for_sending([a.id], NOW, LEASE)
    await store.deliveries.claim_for_sending([c.id], NOW, LEASE + timedelta(hours=1))
    await store.save()
    assert await store.deliveries.recover_expired(LEASE - timedelta(seconds=1)) == 0
    after = LEASE + timedelta(seconds=1)
    assert await store.deliveries.recover_expired(after) == 2
    await store.save()
    for notification_id in (a.id, b.id):
        n = await store.notifications.get(notification_id)
        assert n is not None
        assert n.status is Status.SCHEDULED
        assert n.due_at == after
    assert await status_of(store, c.id) is Status.SENDING
    reclaimed = await store.deliveries.claim_due(after, 10, LEASE)
    assert sorted(c.id for c in reclaimed) == sorted([a.id, b.id])


async def test_the_intake_stores_a_group_and_its_key_all_or_nothing_and_durably(
    store: Store,
) -> None:
    first = make(store, channel=Channel.EMAIL, to="a@b.co")
    second = replace(make(store), group_id=first.id)
    skipped = ((Channel.SMS, "the phone opted out"),)
    record = IdempotencyRecord(store.user_id, "key-1", "hash", first.id, NOW, skipped)
    await store.intake.add([NewNotification(first), NewNotification(second)], record)
    await store.undo()  # stored when add returned: nothing of the caller's to undo
    assert await store.keys.get(store.user_id, "key-1") == record
    assert await store.keys.get(store.other_user_id, "key-1") is None
    assert await store.notifications.group(first.id) == sorted([first, second], key=lambda n: n.id)
    late = make(store)
    again = IdempotencyRecord(store.user_id, "key-1", "other", late.id, NOW)
    with pytest.raises(Conflict):
        await store.intake.add([NewNotification(late)], again)
    assert await store.notifications.get(late.id) is None
    assert await store.notifications.events(late.id) == []
    assert await store.keys.get(store.user_id, "key-1") == record
    theirs = IdempotencyRecord(store.other_user_id, "key-1", "hash", late.id, NOW)
    await store.intake.add([NewNotification(late)], theirs)  # a key is per caller
    assert await store.keys.get(store.other_user_id, "key-1") == theirs


async def test_provider_events_are_seen_once(store: Store) -> None:
    assert await store.events.first_time("sendgrid", "ev-1", NOW)
    assert not await store.events.first_time("sendgrid", "ev-1", NOW)
    assert await store.events.first_time("twilio", "ev-1", NOW)


async def test_concurrent_claims_never_share_rows(store: Store) -> None:
    """Two schedulers (e.g. during a deploy) split the due rows between them."""
    if store.engine is None or store.engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent sessions on PostgreSQL")
    await added(store, *(make(store) for _ in range(200)))
    factory = make_session_factory(store.engine)

    async def claim() -> set[UUID]:
        async with factory() as session:
            claimed = await deliveries(session).claim_due(NOW, 150, LEASE)
            await asyncio.sleep(0.05)  # hold the row locks while the other claims
            await session.commit()
            return {c.id for c in claimed}

    first, second = await asyncio.gather(claim(), claim())
    assert len(first) + len(second) == 200
    assert not set(first) & set(second)
