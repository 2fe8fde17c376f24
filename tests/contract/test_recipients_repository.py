"""The recipient repository, on the fake, SQLite and PostgreSQL (the store of the
notification repository's contract, which has users to link recipients to)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast
from uuid import UUID

import pytest

from adapters.sql.notifications import ERASED
from application.ports.recipients import NotificationRedactor
from domain.errors import Conflict
from domain.ids import new_id
from domain.notifications import Status
from domain.recipients import (
    Channels,
    Contact,
    EmailAddress,
    ExternalId,
    Locale,
    PhoneNumber,
    QuietHours,
    Recipient,
    TimeZone,
)
from tests.contract.test_notifications_repository import Store, added, make, status_of, store

__all__ = ["store"]  # a fixture: the repositories on each store

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FULL = Contact(
    name="Ann Lee",
    email=EmailAddress("Ann@Example.com"),
    phone=PhoneNumber("+15105552054"),
    locale=Locale("pt-BR"),
    timezone=TimeZone("America/New_York"),
    channels=Channels(email=True, sms=True),
    quiet_hours=QuietHours.parse("21:00", "08:00"),
)


BARE = Contact()


def person(external_id: str, contact: Contact = BARE, user_id: UUID | None = None) -> Recipient:
    return Recipient.new(new_id(), ExternalId(external_id), contact, NOW, user_id)


async def test_save_and_get_by_each_key(store: Store) -> None:
    ann = person("crm-1", FULL, user_id=store.user_id)
    await store.recipients.save(ann)
    await store.save()
    assert await store.recipients.get(ExternalId("crm-1")) == ann
    assert await store.recipients.get_by_id(ann.id) == ann
    assert await store.recipients.get_by_user(store.user_id) == ann
    assert await store.recipients.get(ExternalId("crm-2")) is None
    assert await store.recipients.get_by_user(store.other_user_id) is None
    bare = person("lead:7")
    await store.recipients.save(bare)
    await store.save()
    assert await store.recipients.get(ExternalId("lead:7")) == bare


async def test_the_reader_of_sending_finds_what_was_stored(store: Store) -> None:
    """RecipientReader as the container binds it (the direct pool's on PostgreSQL): the
    committed recipient by external id and by user, the same as the repository's."""
    mine = person("crm-7", user_id=store.user_id)
    await store.recipients.save(mine)
    await store.save()
    assert await store.reader.get(ExternalId("crm-7")) == mine
    assert await store.reader.get_by_user(store.user_id) == mine
    assert await store.reader.get(ExternalId("crm-8")) is None
    assert await store.reader.get_by_user(store.other_user_id) is None


async def test_whether_the_phone_was_verified_is_kept(store: Store) -> None:
    ann = replace(person("crm-1", FULL), phone_verified=True)
    await store.recipients.save_many([ann, person("crm-2", FULL)])
    await store.save()
    assert await store.recipients.get(ExternalId("crm-1")) == ann
    other = await store.recipients.get(ExternalId("crm-2"))
    assert other is not None
    assert other.phone_verified is False
    unverified = ann.change(FULL, NOW + timedelta(hours=1), phone_verified=False)
    await store.recipients.save(unverified)
    await store.save()
    assert await store.recipients.get(ann.external_id) == unverified


async def test_save_replaces_by_id_and_keeps_created_at(store: Store) -> None:
    ann = person("crm-1", FULL)
    await store.recipients.save(ann)
    await store.save()
    later = NOW + timedelta(hours=1)
    changed = replace(ann.change(Contact(name="Ann"), later), created_at=later)
    await store.recipients.save(changed)
    await store.save()
    assert await store.recipients.get(ann.external_id) == replace(changed, created_at=NOW)


async def test_external_ids_and_users_are_unique(store: Store) -> None:
    await store.recipients.save(person("crm-1", user_id=store.user_id))
    await store.save()
    with pytest.raises(Conflict):
        await store.recipients.save(person("crm-1"))
    await store.undo()
    with pytest.raises(Conflict):
        await store.recipients.save(person("crm-2", user_id=store.user_id))
    await store.undo()
    assert [
        r.external_id.value for r in await store.recipients.search(None, after=None, limit=9)
    ] == ["crm-1"]


async def test_save_many_and_get_many(store: Store) -> None:
    first = [person(f"bulk-{i}") for i in range(3)]
    await store.recipients.save_many(first)
    await store.save()
    renamed = replace(first[1], contact=Contact(name="Two"), updated_at=NOW + timedelta(1))
    await store.recipients.save_many([renamed, person("bulk-3")])
    await store.save()
    found = await store.recipients.get_many([ExternalId(f"bulk-{i}") for i in range(5)])
    assert sorted(e.value for e in found) == ["bulk-0", "bulk-1", "bulk-2", "bulk-3"]
    assert found[ExternalId("bulk-1")] == renamed
    with pytest.raises(Conflict):  # one taken external id fails the batch
        await store.recipients.save_many([person("bulk-9"), person("bulk-0")])
    await store.undo()
    assert await store.recipients.get(ExternalId("bulk-9")) is None


async def test_search_by_prefix_in_creation_order(store: Store) -> None:
    people = [
        person("crm-1", Contact(name="Ännie Hall")),
        person("crm-2", Contact(email=EmailAddress("ANN@b.co"))),
        person("crm-3", Contact(phone=PhoneNumber("+15105552054"))),
        person("ann-4"),
        person("crm-5", Contact(name="Bob", email=EmailAddress("bob@b.co"))),
        person("crm%_6", Contact(name="50%_off")),
        person("crm\\7", Contact(name="Back\\slash")),
    ]
    # Ids of one millisecond are in no order: these are made in order.
    people = [replace(p, id=UUID(int=i + 1)) for i, p in enumerate(people)]
    for p in people:
        await store.recipients.save(p)
    await store.save()

    async def ids(q: str | None, limit: int = 10) -> list[str]:
        found = await store.recipients.search(q, after=None, limit=limit)
        return [r.external_id.value for r in found]

    assert await ids(None) == [p.external_id.value for p in people]
    assert await ids("änn") == ["crm-1"]  # the name in any case
    assert await ids("ann") == ["crm-2", "ann-4"]  # email in any case, the external id
    assert await ids("+1510") == ["crm-3"]
    assert await ids("crm-") == ["crm-1", "crm-2", "crm-3", "crm-5"]
    assert await ids("CRM-") == []  # external ids are exact
    assert await ids("50%") == ["crm%_6"]  # no wildcards
    assert await ids("crm%") == ["crm%_6"]
    assert await ids("crm_") == []  # nor is _
    assert await ids("crm\\") == ["crm\\7"]  # nor the escape character
    assert await ids("back\\s") == ["crm\\7"]
    assert await ids("50%_") == ["crm%_6"]
    assert await ids("nobody") == []
    page = await store.recipients.search("crm-", after=None, limit=2)
    rest = await store.recipients.search("crm-", after=page[-1].id, limit=5)
    assert [r.external_id.value for r in page + rest] == ["crm-1", "crm-2", "crm-3", "crm-5"]


async def test_delete(store: Store) -> None:
    ann = person("crm-1", FULL)
    await store.recipients.save(ann)
    await store.save()
    await store.recipients.delete(ann.id)
    await store.save()
    assert await store.recipients.get(ann.external_id) is None
    await store.recipients.delete(ann.id)  # nothing left to delete: no error


async def test_preferences_are_the_users_recipient(store: Store) -> None:
    """The preferences of a user without a recipient make one, `user:<username>`."""
    prefs = await store.prefs.get(store.user_id)
    assert prefs is None
    recipient = person("user:ann", FULL, user_id=store.user_id)
    await store.recipients.save(recipient)
    await store.save()
    got = await store.prefs.get(store.user_id)
    assert got is not None
    assert (got.notify_pref.value, got.email, got.phone) == ("email", FULL.email, FULL.phone)


async def test_the_redactor_keeps_ids_and_statuses_only(store: Store) -> None:
    """It finds a recipient's notifications by the recipient, with an account or not."""
    theirs, others = new_id(), new_id()
    sent, due = await added(
        store,
        replace(make(store, status=Status.SENT), recipient_id=theirs, html="<p>body</p>"),
        replace(make(store, due=NOW + timedelta(days=1)), user_id=None, recipient_id=theirs),
    )
    [bobs] = await added(
        store, replace(make(store, user_id=store.other_user_id), recipient_id=others)
    )
    redactor = cast(NotificationRedactor, store.notifications)
    assert await redactor.redact_notifications_of(theirs, NOW) == 2
    await store.save()
    for n in (sent, due):
        got = await store.notifications.get(n.id)
        assert got is not None
        assert (got.id, got.to, got.title, got.text, got.html, got.last_error) == (
            n.id,
            "",
            None,
            "",
            None,
            None,
        )
        assert all(e.detail in (None, ERASED) for e in await store.notifications.events(n.id))
    assert await status_of(store, sent.id) is Status.SENT
    assert await status_of(store, due.id) is Status.CANCELED
    assert await store.notifications.get(bobs.id) == bobs
