"""What callers send about a recipient, as it arrives, and its checks: every bad field is
named at once, with its path (`email`, `quiet_hours.start`, `items[3].phone`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from domain.errors import FieldErrors
from domain.recipients import (
    Channels,
    Contact,
    EmailAddress,
    ExternalId,
    Locale,
    PhoneNumber,
    QuietHours,
    TimeZone,
    parse_name,
)

T = TypeVar("T")


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


@dataclass(frozen=True, slots=True)
class ChannelsInput:
    email: bool | _Keep = KEEP
    sms: bool | _Keep = KEEP


@dataclass(frozen=True, slots=True)
class QuietHoursInput:
    start: str
    end: str


@dataclass(frozen=True, slots=True)
class RecipientInput:
    """KEEP leaves a field as it was (PATCH) or at its default (PUT); None clears it.
    A channel left out of a PUT is on exactly when its address is given."""

    name: str | _Keep | None = KEEP
    email: str | _Keep | None = KEEP
    phone: str | int | _Keep | None = KEEP
    locale: str | _Keep | None = KEEP
    timezone: str | _Keep | None = KEEP
    channels: ChannelsInput | _Keep = KEEP
    quiet_hours: QuietHoursInput | _Keep | None = KEEP


def parse_external_id(errors: FieldErrors, raw: str, field: str = "external_id") -> ExternalId:
    return errors.check(field, ExternalId, raw)


def _field(
    errors: FieldErrors, field: str, raw: object, parse: Callable[[Any], T], current: T | None
) -> T | None:
    if isinstance(raw, _Keep):
        return current
    return None if raw is None else errors.check(field, parse, raw)


def contact_of(
    fields: RecipientInput, base: Contact | None, errors: FieldErrors, at: str = ""
) -> Contact:
    """The contact `fields` describe: over `base` for a PATCH; from nothing for a PUT
    (base None). Errors go to `errors`, under the field names prefixed with `at`."""
    was = base or Contact()
    quiet = was.quiet_hours
    if not isinstance(fields.quiet_hours, _Keep):
        q = fields.quiet_hours
        quiet = (
            None
            if q is None
            else errors.check(at + "quiet_hours", QuietHours.parse, q.start, q.end)
        )
    name = _field(errors, at + "name", fields.name, parse_name, was.name)
    email = _field(errors, at + "email", fields.email, EmailAddress, was.email)
    phone = _field(errors, at + "phone", fields.phone, PhoneNumber, was.phone)
    channels = was.channels
    if base is None:  # PUT: a channel is on when its address is given, unless said
        channels = Channels(email=email is not None, sms=phone is not None)
    if not isinstance(fields.channels, _Keep):
        c = fields.channels
        channels = Channels(
            email=channels.email if isinstance(c.email, _Keep) else c.email,
            sms=channels.sms if isinstance(c.sms, _Keep) else c.sms,
        )
    return Contact(
        name=name,
        email=email,
        phone=phone,
        locale=_field(errors, at + "locale", fields.locale, Locale, was.locale),
        timezone=_field(errors, at + "timezone", fields.timezone, TimeZone, was.timezone),
        channels=channels,
        quiet_hours=quiet,
    )
