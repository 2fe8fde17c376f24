"""The dev phone's threads: what the console sender texted each number beside what it
replied, oldest first, one thread per number."""

from datetime import UTC, datetime, timedelta

from adapters.console.notifications import DevOutbox, OutboxEntry
from adapters.console.subscriptions import DevPhone

T0 = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def sent(to: str, body: str, seconds: int, channel: str = "sms") -> OutboxEntry:
    return OutboxEntry(channel, to, None, body, "ref", "SMdev1", T0 + timedelta(seconds=seconds))


def test_threads_interleave_texts_and_replies_by_time() -> None:
    outbox = DevOutbox()
    phone = DevPhone(outbox)
    outbox.record(sent("+15105552054", "Reply YES to confirm", 0))
    outbox.record(sent("ann@example.com", "an email", 1, channel="email"))
    phone.replied("+15105552054", "YES", T0 + timedelta(seconds=2))
    outbox.record(sent("+15105552054", "you are subscribed", 3))
    outbox.record(sent("+15105550001", "Reply YES to confirm", 4))
    threads = phone.threads()
    assert list(threads) == ["+15105550001", "+15105552054"]  # no email thread
    assert [(m.direction, m.body) for m in threads["+15105552054"]] == [
        ("out", "Reply YES to confirm"),
        ("in", "YES"),
        ("out", "you are subscribed"),
    ]


def test_its_message_sids_are_its_own() -> None:
    phone = DevPhone(DevOutbox())
    first, second = phone.next_sid(), phone.next_sid()
    assert first != second
    assert first.startswith("SMdev")
    assert len(first) == 34  # as long as Twilio's
