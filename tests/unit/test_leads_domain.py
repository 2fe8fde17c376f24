"""The rules of leads: which lead a conversation belongs to, what a merge keeps (newer
details win, older ones fill gaps, opt-outs stay), what a chatbot's unchecked values
come to, and the keys that make intake idempotent."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidValue
from domain.ids import new_id
from domain.leads import (
    LandbotMessage,
    Lead,
    LeadContact,
    custom_fields,
    customer_id,
    lead_external_id,
    merged_recipient,
    message_key,
    subject_of,
    topic,
)
from domain.recipients import Channels, Contact, EmailAddress, PhoneNumber, Recipient

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def lead(contact: LeadContact, at: datetime = NOW, **fields: object) -> Lead:
    return Lead.new(new_id(), new_id(), contact, fields, at, NOW)  # type: ignore[arg-type]


LENA = LeadContact("Lena", EmailAddress("Lena.Berg@Example.COM"), PhoneNumber("+34 600 111 222"))


def test_a_lead_keeps_its_email_lower_case_and_its_phone_in_e164() -> None:
    made = lead(LENA)
    assert made.email == "lena.berg@example.com"
    assert made.phone == "+34600111222"
    assert LENA.email_key == "lena.berg@example.com"


def test_a_newer_message_replaces_the_details_and_an_older_one_fills_gaps_only() -> None:
    first = lead(LeadContact("Lena", EmailAddress("lena@example.com")), plan="free")
    newer = first.merge(
        LeadContact("Lena Berg", None, PhoneNumber("+34600111222")), {"plan": "pro"}, LATER, LATER
    )
    assert (newer.name, newer.email, newer.phone) == (
        "Lena Berg",
        "lena@example.com",
        "+34600111222",
    )
    assert newer.fields == {"plan": "pro"}
    assert newer.seen_at == LATER
    late = newer.merge(
        LeadContact("L.", EmailAddress("old@example.com")),
        {"plan": "trial", "city": "Madrid"},
        NOW - timedelta(minutes=1),
        LATER,
    )
    # Delivered out of order: it says nothing new where the lead knows better.
    assert (late.name, late.email) == ("Lena Berg", "lena@example.com")
    assert late.fields == {"plan": "pro", "city": "Madrid"}
    assert late.seen_at == LATER


def test_a_value_not_said_is_kept() -> None:
    first = lead(LENA)
    again = first.merge(LeadContact(), {}, LATER, LATER)
    assert (again.name, again.email, again.phone) == (first.name, first.email, first.phone)


def test_merging_keeps_an_sms_opt_out_whatever_phone_comes() -> None:
    r = Recipient.new(
        new_id(),
        lead_external_id("1"),
        Contact(phone=PhoneNumber("+34600111222"), channels=Channels(sms=True)),
        NOW,
    ).opt_out("+34600111222")
    assert r.sms_opted_out
    same = lead(LENA)
    assert merged_recipient(r, same, LATER).sms_opted_out
    moved = lead(LeadContact("Lena", None, PhoneNumber("+34600999888")))
    kept = merged_recipient(r, moved, LATER)
    assert kept.sms_opted_out
    assert kept.contact.phone == PhoneNumber("+34600999888")
    assert kept.contact.channels.sms  # a channel the recipient had on stays on


def test_a_lead_with_an_email_gets_email_on_and_no_sms() -> None:
    contact = lead(LENA).contact()
    assert contact.channels == Channels(email=True, sms=False)
    assert lead(LeadContact("Bo")).contact().channels == Channels()


def test_what_a_chatbot_collected_unchecked_is_kept_as_fields_when_invalid() -> None:
    contact, refused = LeadContact.lenient("Lena", "not-an-email", "12")
    assert contact == LeadContact("Lena")
    assert refused == {"email": "not-an-email", "phone": "12"}
    contact, refused = LeadContact.lenient(None, "", 34600111222)
    assert contact.phone == PhoneNumber("+34600111222")
    assert refused == {}


def test_a_message_keeps_the_other_customer_fields() -> None:
    m = LandbotMessage(
        "k",
        "7",
        {"id": 7, "name": "Lena", "email": "x", "plan": "pro", "tags": ["a"], "age": 31},
        "customer",
        None,
        "text",
        "hi",
        {"body": "hi"},
        {},
        NOW,
        NOW,
    )
    contact, fields = m.contact()
    assert contact == LeadContact("Lena")
    assert fields == {"plan": "pro", "age": 31, "email": "x"}  # lists stay in the message


def test_custom_fields_are_bounded() -> None:
    kept = custom_fields({f"f{i}": "v" * 3000 for i in range(150)} | {"x" * 65: 1})
    assert len(kept) == 100
    assert all(len(str(v)) == 2000 for v in kept.values())


def test_message_keys_are_landbots_id_or_a_digest() -> None:
    assert message_key("abc", "7", 1.5, "hi") == "id:7:abc"
    assert message_key("abc", "7", 1.5, "hi") == message_key("abc", "7", 2.5, "edited")
    digest = message_key(None, "7", 1.5, "hi")
    assert digest.startswith("sha256:")
    assert digest == message_key(None, "7", 1.5, "hi")
    assert digest != message_key(None, "7", 1.6, "hi")
    assert digest != message_key(None, "8", 1.5, "hi")
    assert digest != message_key(None, "7", 1.5, "hello")


@pytest.mark.parametrize("raw", ["", "a/b", "x" * 65, True, "with space"])
def test_bad_customer_ids_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue):
        customer_id(raw)  # type: ignore[arg-type]


def test_topics_and_subjects() -> None:
    assert topic(" Support ") == "support"
    with pytest.raises(InvalidValue):
        topic("9lives")
    assert subject_of("My order\nnever came") == "My order"
    assert len(subject_of("x" * 500)) == 120
