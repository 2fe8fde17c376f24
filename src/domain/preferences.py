"""Contact preferences: how a user wants to be notified, and where."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain.errors import InvalidInput, InvalidValue

_EMAIL = re.compile(r"[^@\s\x00]{1,64}@[^@\s.\x00]+(\.[^@\s.\x00]+)+")
EMAIL_MAX = 254
_PHONE_FORMATTING = re.compile(r"[\s().-]")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")


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


@dataclass(frozen=True, slots=True)
class EmailAddress:
    value: str

    def __init__(self, raw: str) -> None:
        text = raw.strip()
        if len(text) > EMAIL_MAX or not _EMAIL.fullmatch(text):
            raise InvalidValue("must be an email address like name@example.com")
        local, domain = text.rsplit("@", 1)
        object.__setattr__(self, "value", f"{local}@{domain.lower()}")

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """E.164, e.g. +15105552054. Accepts the seed's integer form (15105552054) and common
    formatting (spaces, dashes, brackets); the country code is required."""

    value: str

    def __init__(self, raw: str | int) -> None:
        if isinstance(raw, bool):
            raise InvalidValue("must be a phone number in E.164 form, e.g. +15105552054")
        text = _PHONE_FORMATTING.sub("", str(raw).strip())
        if text.startswith("00"):
            text = "+" + text[2:]
        if not text.startswith("+"):
            text = "+" + text
        if not _E164.fullmatch(text):
            raise InvalidValue(
                "must be a phone number with its country code in E.164 form, e.g. +15105552054"
            )
        object.__setattr__(self, "value", text)

    def __str__(self) -> str:
        return self.value


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
    """Domain event: the carrier says this user's phone refuses SMS (the recipient sent
    STOP), so Herald must stop texting it."""

    user_id: UUID
    phone: str  # E.164, as the notification was addressed
