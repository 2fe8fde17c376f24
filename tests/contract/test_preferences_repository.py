"""The contact preference repository, on the fake, SQLite and PostgreSQL (the store of
the notification repository's contract, which has a user to hang them on)."""

from datetime import UTC, datetime

from domain.preferences import ContactPreferences, EmailAddress, NotifyPref, PhoneNumber
from tests.contract.test_notifications_repository import Store, store

__all__ = ["store"]  # a fixture: the repositories on each store

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_contact_preferences(store: Store) -> None:
    assert await store.prefs.get(store.user_id) is None
    prefs = ContactPreferences(
        store.user_id, NotifyPref.SMS, EmailAddress("a@b.co"), PhoneNumber("+15105552054"), NOW
    )
    await store.prefs.save(prefs)
    await store.save()
    assert await store.prefs.get(store.user_id) == prefs
    await store.prefs.mark_sms_opted_out(store.user_id, "+19999999999")  # not their number
    await store.prefs.mark_sms_opted_out(store.user_id, "+15105552054")
    await store.save()
    opted = await store.prefs.get(store.user_id)
    assert opted is not None
    assert opted.sms_opted_out
    changed = opted.change(NOW, notify_pref=NotifyPref.EMAIL, email=opted.email, phone=opted.phone)
    await store.prefs.save(changed)
    await store.save()
    assert await store.prefs.get(store.user_id) == changed
