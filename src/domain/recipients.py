"""Recipients: the people Herald notifies, identified by the caller's own `external_id`.

A user account has one (`user:<username>`); a lead or a subscribed phone may have none.
Each channel is on or off; quiet hours, in the recipient's IANA time zone, hold back what
falls due inside them until they end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import NUL_MESSAGE, InvalidValue

_EMAIL = re.compile(r"[^@\s\x00]{1,64}@[^@\s.\x00]+(\.[^@\s.\x00]+)+")
EMAIL_MAX = 254
_PHONE_FORMATTING = re.compile(r"[\s().-]")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
EXTERNAL_ID_MAX = 128
NAME_MAX = 200
TIMEZONE_MAX = 64
LOCALE_MAX = 35
# language, optional script, optional region: en, pt-BR, zh-Hant-TW, es-419
_LOCALE = re.compile(r"([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|[0-9]{3}))?", re.IGNORECASE)
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
USER_PREFIX = "user:"


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
class ExternalId:
    """The caller's own id of a recipient: 1-128 printable characters (no NUL, no
    control characters, no line breaks), kept exactly as given. No `/` either: the id is
    a path segment (`/recipients/{external_id}`), and a `/`, even sent as `%2F`, would
    split it."""

    value: str

    def __init__(self, raw: str) -> None:
        if not 1 <= len(raw) <= EXTERNAL_ID_MAX:
            raise InvalidValue(f"must be 1 to {EXTERNAL_ID_MAX} characters")
        if not raw.isprintable():
            raise InvalidValue("must be printable characters only (no NUL or control characters)")
        if "/" in raw:
            raise InvalidValue("must not contain '/'")
        object.__setattr__(self, "value", raw)

    @classmethod
    def of_user(cls, username: str) -> ExternalId:
        return cls(USER_PREFIX + username)

    def __str__(self) -> str:
        return self.value


def parse_name(raw: str) -> str:
    """A display name: at most 200 printable characters, surrounding spaces trimmed."""
    text = raw.strip()
    if "\x00" in text:
        raise InvalidValue(NUL_MESSAGE)
    if len(text) > NAME_MAX:
        raise InvalidValue(f"must be at most {NAME_MAX} characters")
    if not text.isprintable():
        raise InvalidValue("must not contain control characters")
    return text


@dataclass(frozen=True, slots=True)
class Locale:
    """A BCP 47 language tag of language, optional script and region, in canonical case:
    `en`, `pt-BR`, `zh-Hant-TW`, `es-419` (`_` is read as `-`)."""

    value: str

    def __init__(self, raw: str) -> None:
        found = _LOCALE.fullmatch(raw.strip().replace("_", "-")) if len(raw) <= LOCALE_MAX else None
        if found is None:
            raise InvalidValue("must be a language tag like 'en' or 'pt-BR'")
        language, script, region = found.groups()
        parts = [language.lower(), script.title() if script else "", (region or "").upper()]
        object.__setattr__(self, "value", "-".join(p for p in parts if p))

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class TimeZone:
    """An IANA time zone name known to zoneinfo, e.g. `America/New_York`."""

    value: str

    def __init__(self, raw: str) -> None:
        name = raw.strip()
        if not name or len(name) > TIMEZONE_MAX or not name.isprintable():
            raise InvalidValue("must be an IANA time zone like 'Europe/Lisbon'")
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise InvalidValue("must be an IANA time zone like 'Europe/Lisbon'") from None
        object.__setattr__(self, "value", name)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.value)  # zoneinfo caches its instances

    def __str__(self) -> str:
        return self.value


def _clock(raw: str) -> time:
    found = _CLOCK.fullmatch(raw.strip())
    if found is None:
        raise InvalidValue("must be a time of day as HH:MM, e.g. 21:00")
    return time(int(found[1]), int(found[2]))


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window of wall-clock time, [start, end), that may cross midnight
    (21:00-08:00). A window from a time to itself would be empty or all day: refused."""

    start: time
    end: time

    @classmethod
    def parse(cls, start: str, end: str) -> QuietHours:
        begins, ends = _clock(start), _clock(end)
        if begins == ends:
            raise InvalidValue("start and end must differ")
        return cls(begins, ends)

    def contains(self, clock: time) -> bool:
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def deferral(self, due_at: datetime, tz: TimeZone) -> datetime | None:
        """When a notification due at `due_at` may go: the end of the quiet hours it falls
        in, as an instant in UTC; None when it falls outside them.

        Wall-clock arithmetic in the recipient's zone, so a DST change in between moves
        the instant, not the local end. An end that does not exist that day (inside a
        spring-forward gap) resolves with the offset before the change, i.e. just after
        the gap; an end that exists twice (fall back) is its first occurrence."""
        zone = tz.zone
        local = due_at.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        if not self.contains(clock):
            return None
        day = local.date()
        if self.start > self.end and clock >= self.start:
            day += timedelta(days=1)  # the window ends tomorrow
        end = datetime.combine(day, self.end, tzinfo=zone)
        return end.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class Channels:
    email: bool = False
    sms: bool = False


@dataclass(frozen=True, slots=True)
class Contact:
    """What a caller sets on a recipient; `Recipient.change` applies a whole one."""

    name: str | None = None
    email: EmailAddress | None = None
    phone: PhoneNumber | None = None
    locale: Locale | None = None
    timezone: TimeZone | None = None
    channels: Channels = Channels()
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    id: UUID
    external_id: ExternalId
    contact: Contact
    created_at: datetime
    updated_at: datetime
    sms_opted_out: bool = False
    user_id: UUID | None = None
    # A phone lookup vouched for the number (Twilio Lookup); False when only its format
    # was checked (no lookup configured, or the provider was unreachable), or no phone.
    phone_verified: bool = False

    @classmethod
    def new(
        cls,
        id: UUID,
        external_id: ExternalId,
        contact: Contact,
        now: datetime,
        user_id: UUID | None = None,
        *,
        phone_verified: bool = False,
    ) -> Recipient:
        return cls(
            id, external_id, contact, now, now, user_id=user_id, phone_verified=phone_verified
        )

    def change(
        self, contact: Contact, now: datetime, *, phone_verified: bool | None = None
    ) -> Recipient:
        """Replace what the caller sets. A new phone number is no longer opted out: the
        opt-out belonged to the old number; nor verified, unless `phone_verified` says
        what a lookup of it found (None: an unchanged number keeps what was known)."""
        same_phone = contact.phone == self.contact.phone
        if phone_verified is None:
            phone_verified = self.phone_verified and same_phone
        return replace(
            self,
            contact=contact,
            sms_opted_out=self.sms_opted_out and same_phone,
            phone_verified=phone_verified and contact.phone is not None,
            updated_at=now,
        )

    def opt_out(self, phone: str) -> Recipient:
        """The carrier says `phone` refuses SMS; a number no longer theirs changes nothing."""
        if self.contact.phone is None or self.contact.phone.value != phone:
            return self
        return replace(self, sms_opted_out=True)

    def opt_in(self, phone: str) -> Recipient:
        """`phone` texted START: it takes SMS again; a number no longer theirs changes nothing."""
        if self.contact.phone is None or self.contact.phone.value != phone:
            return self
        return replace(self, sms_opted_out=False)
