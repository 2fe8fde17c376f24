"""Contact preferences: how a user wants to be notified, and where, in the seed API's
terms (`notify_pref`). They are a view of the user's recipient."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain.errors import InvalidInput, InvalidValue

# The addresses are the recipient's; re-exported for the code that knew them from here.
from domain.recipients import EMAIL_MAX as EMAIL_MAX
from domain.recipients import Channels, Recipient
from domain.recipients import EmailAddress as EmailAddress
from domain.recipients import PhoneNumber as PhoneNumber


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"

    @classmethod
    def parse(cls, raw: str) -> Channel:
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise InvalidValue("must be 'email' or 'sms'") from None


class NotifyPref(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    NONE = "none"

    @classmethod
    def parse(cls, raw: str) -> NotifyPref:
        """Accepts any case, so the seed's "None" still works."""
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise InvalidValue("must be 'email', 'sms' or 'none'") from None

    @property
    def channel(self) -> Channel | None:
        return None if self is NotifyPref.NONE else Channel(self.value)

    @property
    def channels(self) -> Channels:
        return Channels(email=self is NotifyPref.EMAIL, sms=self is NotifyPref.SMS)

    @classmethod
    def of(cls, channels: Channels) -> NotifyPref:
        """A recipient's channels in the seed's terms: with both on, the first of email
        and sms, i.e. email."""
        if channels.email:
            return cls.EMAIL
        return cls.SMS if channels.sms else cls.NONE


@dataclass(frozen=True, slots=True)
class ContactPreferences:
    """One user's preferences. Invariant: the preferred channel has an address."""

    user_id: UUID
    notify_pref: NotifyPref
    email: EmailAddress | None
    phone: PhoneNumber | None
    updated_at: datetime
    sms_opted_out: bool = False

    @classmethod
    def default(cls, user_id: UUID, now: datetime) -> ContactPreferences:
        return cls(user_id, NotifyPref.NONE, None, None, now)

    @classmethod
    def of(cls, user_id: UUID, recipient: Recipient) -> ContactPreferences:
        """The preferences a user's recipient stands for."""
        c = recipient.contact
        return cls(
            user_id,
            NotifyPref.of(c.channels),
            c.email,
            c.phone,
            recipient.updated_at,
            recipient.sms_opted_out,
        )

    def apply_to(self, recipient: Recipient) -> Recipient:
        """`recipient` with these preferences; what they do not cover (name, locale, time
        zone, quiet hours) stays."""
        contact = replace(
            recipient.contact,
            email=self.email,
            phone=self.phone,
            channels=self.notify_pref.channels,
        )
        return replace(
            recipient, contact=contact, sms_opted_out=self.sms_opted_out, updated_at=self.updated_at
        )

    def address_for(self, channel: Channel) -> str | None:
        if channel is Channel.EMAIL:
            return self.email.value if self.email else None
        return self.phone.value if self.phone else None

    def change(
        self,
        now: datetime,
        *,
        notify_pref: NotifyPref,
        email: EmailAddress | None,
        phone: PhoneNumber | None,
    ) -> ContactPreferences:
        """Apply a full new state; refuse a preferred channel without an address.

        A new phone number clears the opt-out, which belonged to the old number.
        """
        if notify_pref is NotifyPref.SMS and phone is None:
            raise InvalidInput.field("phone", "set a phone number to choose sms notifications")
        if notify_pref is NotifyPref.EMAIL and email is None:
            raise InvalidInput.field("email", "set an email address to choose email notifications")
        opted_out = self.sms_opted_out and phone == self.phone
        return replace(
            self,
            notify_pref=notify_pref,
            email=email,
            phone=phone,
            sms_opted_out=opted_out,
            updated_at=now,
        )


@dataclass(frozen=True, slots=True)
class PhoneOptedOut:
    """Domain event: the carrier says this phone refuses SMS (the recipient sent STOP),
    so Herald must stop texting it. The notification's recipient, else its user's."""

    user_id: UUID | None
    phone: str  # E.164, as the notification was addressed
    recipient_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class PhoneOptedIn:
    """Domain event: the phone texted START (or UNSTOP), which lifts a carrier opt-out,
    so Herald may text it again. The recipient whose number it is."""

    phone: str  # E.164
    recipient_id: UUID
