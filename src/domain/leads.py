"""Leads: the people a Landbot bot talks to, kept as recipients (`landbot:<customer id>`)
and deduplicated by their normalized email and E.164 phone; their conversation; the
messages Landbot's MessageHooks deliver, as received."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from domain.errors import InvalidValue
from domain.recipients import (
    NAME_MAX,
    Channels,
    Contact,
    EmailAddress,
    ExternalId,
    PhoneNumber,
    Recipient,
)

LANDBOT_PREFIX = "landbot:"
_CUSTOMER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_TOPIC = re.compile(r"[a-z][a-z0-9_-]{0,49}")
DEFAULT_TOPIC = "support"
BODY_MAX = 10_000  # a chat message, in characters
SUBJECT_MAX = 120
FIELDS_MAX = 100  # custom fields kept on a lead
FIELD_NAME_MAX = 64
FIELD_TEXT_MAX = 2_000
CUSTOMER_SENDER = "customer"

FieldValue = str | int | float | bool | None


def customer_id(raw: str | int) -> str:
    """Landbot's customer id (a number in Landbot; any short id of letters, digits and
    `_ . : -` is taken)."""
    if isinstance(raw, bool):
        raise InvalidValue("must be Landbot's customer id, e.g. 161808359")
    text = str(raw).strip()
    if not _CUSTOMER_ID.fullmatch(text):
        raise InvalidValue("must be Landbot's customer id: 1-64 of A-Z, a-z, 0-9 and _ . : -")
    return text


def lead_external_id(customer: str) -> ExternalId:
    """The external id of a lead's recipient: `landbot:<customer id>`."""
    return ExternalId(LANDBOT_PREFIX + customer)


def topic(raw: str) -> str:
    """A ticket topic: lower-case letters, digits, `_` and `-`, 1-50, a letter first."""
    text = raw.strip().lower()
    if not _TOPIC.fullmatch(text):
        raise InvalidValue("must be a topic like support: 1-50 of a-z, 0-9, _ and -")
    return text


def name(raw: str) -> str | None:
    text = " ".join(raw.split())
    if len(text) > NAME_MAX:
        raise InvalidValue(f"must be at most {NAME_MAX} characters")
    return text or None


def body(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidValue("must not be empty")
    if len(text) > BODY_MAX:
        raise InvalidValue(f"must be at most {BODY_MAX} characters")
    return text


def subject_of(message: str) -> str:
    """A ticket's subject from the lead's message: its first line, cut to 120 characters."""
    first = message.strip().splitlines()[0].strip() if message.strip() else ""
    if len(first) > SUBJECT_MAX:
        first = first[: SUBJECT_MAX - 1].rstrip() + "…"
    return first or "(no subject)"


def custom_fields(raw: Mapping[str, object]) -> dict[str, FieldValue]:
    """What a lead keeps of Landbot's custom fields: scalars (text cut to 2,000
    characters), up to 100, by names of at most 64 characters; anything else stays in
    the message as received."""
    kept: dict[str, FieldValue] = {}
    for key, value in raw.items():
        if len(kept) >= FIELDS_MAX:
            break
        if not key or len(key) > FIELD_NAME_MAX:
            continue
        if isinstance(value, str):
            kept[key] = value[:FIELD_TEXT_MAX]
        elif value is None or isinstance(value, bool | int | float):
            kept[key] = value
    return kept


@dataclass(frozen=True, slots=True)
class LeadContact:
    """Who a conversation says the person is; None: not said."""

    name: str | None = None
    email: EmailAddress | None = None
    phone: PhoneNumber | None = None

    @classmethod
    def lenient(
        cls, name_raw: object, email_raw: object, phone_raw: object
    ) -> tuple[LeadContact, dict[str, str]]:
        """From what a chatbot collected, which no one checked: a value that is not a
        name, an email or a phone is left out and answered by field, to be kept as a
        custom field (nothing is lost, nothing wrong is used to reach the person)."""
        refused: dict[str, str] = {}
        parsed_name = parsed_email = parsed_phone = None
        if isinstance(name_raw, str):
            try:
                parsed_name = name(name_raw)
            except InvalidValue:
                refused["name"] = name_raw[:FIELD_TEXT_MAX]
        if isinstance(email_raw, str) and email_raw.strip():
            try:
                parsed_email = EmailAddress(email_raw)
            except InvalidValue:
                refused["email"] = email_raw[:FIELD_TEXT_MAX]
        phone_given = isinstance(phone_raw, str | int) and not isinstance(phone_raw, bool)
        if phone_given and str(phone_raw).strip():
            try:
                parsed_phone = PhoneNumber(phone_raw)  # type: ignore[arg-type]
            except InvalidValue:
                refused["phone"] = str(phone_raw)[:FIELD_TEXT_MAX]
        return cls(parsed_name, parsed_email, parsed_phone), refused

    @property
    def email_key(self) -> str | None:
        """The email as leads are deduplicated by: all lower case."""
        return None if self.email is None else normalized_email(self.email)

    @property
    def phone_key(self) -> str | None:
        return None if self.phone is None else self.phone.value


def normalized_email(email: EmailAddress) -> str:
    return email.value.lower()


@dataclass(frozen=True, slots=True)
class Lead:
    """A person the bot talked to. `seen_at` is the time of the newest message whose
    details the lead holds: an older message delivered late fills gaps only."""

    id: UUID
    recipient_id: UUID
    name: str | None
    email: str | None  # normalized (lower case)
    phone: str | None  # E.164
    fields: Mapping[str, FieldValue]
    created_at: datetime
    updated_at: datetime
    seen_at: datetime
    welcome_notification_id: UUID | None = None

    @classmethod
    def new(
        cls,
        id: UUID,
        recipient_id: UUID,
        contact: LeadContact,
        fields: Mapping[str, FieldValue],
        at: datetime,
        now: datetime,
    ) -> Lead:
        return cls(
            id,
            recipient_id,
            contact.name,
            contact.email_key,
            contact.phone_key,
            dict(fields),
            now,
            now,
            at,
        )

    @property
    def welcomed(self) -> bool:
        return self.welcome_notification_id is not None

    def merge(
        self, contact: LeadContact, fields: Mapping[str, FieldValue], at: datetime, now: datetime
    ) -> Lead:
        """A later conversation (or message) by the same person. What a newer message
        says replaces what the lead holds; an older one, delivered out of order, only
        fills what is missing. A value not said is kept."""
        newer = at >= self.seen_at

        def pick(current: str | None, incoming: str | None) -> str | None:
            if incoming is None:
                return current
            return incoming if newer or current is None else current

        merged_fields = dict(self.fields)
        for key, value in fields.items():
            if newer or key not in merged_fields:
                merged_fields[key] = value
        return replace(
            self,
            name=pick(self.name, contact.name),
            email=pick(self.email, contact.email_key),
            phone=pick(self.phone, contact.phone_key),
            fields=merged_fields,
            seen_at=max(self.seen_at, at),
            updated_at=now,
        )

    def welcome_sent(self, notification_id: UUID) -> Lead:
        return replace(self, welcome_notification_id=notification_id)

    def contact(self) -> Contact:
        """The recipient's contact for this lead's details: email on when it has one."""
        return Contact(
            name=self.name,
            email=None if self.email is None else EmailAddress(self.email),
            phone=None if self.phone is None else PhoneNumber(self.phone),
            channels=Channels(email=self.email is not None, sms=False),
        )


def merged_recipient(recipient: Recipient, lead: Lead, now: datetime) -> Recipient:
    """The lead's recipient with the lead's details. Merging keeps opt-outs: an SMS
    opt-out stays whatever phone a conversation gives (talking to a bot is no consent
    to texts), and a channel the recipient has on stays on."""
    wanted = lead.contact()
    channels = Channels(
        email=wanted.channels.email or recipient.contact.channels.email,
        sms=recipient.contact.channels.sms,
    )
    contact = replace(
        recipient.contact,
        name=wanted.name,
        email=wanted.email,
        phone=wanted.phone,
        channels=channels,
    )
    changed = recipient.change(contact, now)
    return replace(changed, sms_opted_out=recipient.sms_opted_out or changed.sms_opted_out)


@dataclass(frozen=True, slots=True)
class LandbotMessage:
    """One message of a MessageHooks delivery, stored as received before any work.
    `key` is Landbot's message id (with the customer's) when it sends one, else a digest
    of the customer id, the timestamp and the body (`message_key`)."""

    key: str
    customer_id: str
    customer: Mapping[str, object]  # Landbot's customer object, as sent
    sender_type: str
    sender_name: str | None
    kind: str  # Landbot's message type: text, button, image, ...
    body: str | None
    data: Mapping[str, object]
    channel: Mapping[str, object]
    sent_at: datetime
    received_at: datetime
    processed_at: datetime | None = None

    @property
    def from_customer(self) -> bool:
        return self.sender_type == CUSTOMER_SENDER

    def contact(self) -> tuple[LeadContact, dict[str, FieldValue]]:
        """The contact the customer object gives, and its other fields (those that
        were not a valid name, email or phone among them)."""
        c = self.customer
        contact, refused = LeadContact.lenient(c.get("name"), c.get("email"), c.get("phone"))
        others = {k: v for k, v in c.items() if k not in ("id", "name", "email", "phone")}
        return contact, custom_fields(others) | refused


def message_key(
    message_id: str | None, customer: str, sent_at: float | str, body: str | None
) -> str:
    if message_id:  # Landbot's, unique within its customer's conversation at least
        return f"id:{customer}:{message_id}"[:100]
    digest = hashlib.sha256(f"{customer}\x1f{sent_at!r}\x1f{body or ''}".encode()).hexdigest()
    return f"sha256:{digest[:64]}"


@dataclass(frozen=True, slots=True)
class LeadMessage:
    """A message of a lead's conversation, in the order the messages were sent.
    `on_ticket`: it was also added to the lead's open ticket as a public comment."""

    lead_id: UUID
    key: str
    sender_type: str
    sender_name: str | None
    kind: str
    body: str | None
    at: datetime
    channel: str | None = None
    on_ticket: bool = False
    data: Mapping[str, object] = field(default_factory=dict)
