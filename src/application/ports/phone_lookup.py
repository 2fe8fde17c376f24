"""Checking a phone number with a provider before it is stored (Twilio Lookup v2).

A lookup never fails: when the provider cannot be reached (timeouts, 429, 5xx) the
result says so with `verified=False`, and the format check, already passed by the
`PhoneNumber` value object, decides."""

import enum
from dataclasses import dataclass
from typing import Protocol

from domain.recipients import PhoneNumber


class LineType(enum.StrEnum):
    """Twilio's `line_type_intelligence.type` values; anything else is UNKNOWN."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    FIXED_VOIP = "fixedVoip"
    NON_FIXED_VOIP = "nonFixedVoip"
    PERSONAL = "personal"
    TOLL_FREE = "tollFree"
    PREMIUM = "premium"
    SHARED_COST = "sharedCost"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    PAGER = "pager"
    UNKNOWN = "unknown"


# Lines that cannot take a text message. Everything else, unknown included, is given the
# benefit of the doubt: refusing a number that works would be worse than one failed SMS.
NO_SMS = frozenset({LineType.LANDLINE, LineType.VOICEMAIL})


@dataclass(frozen=True, slots=True)
class LookupResult:
    """What is known of a number. `verified` is False when only its format was checked.
    `reasons` are the provider's validation errors (e.g. TOO_SHORT) of an invalid number."""

    valid: bool
    line_type: LineType = LineType.UNKNOWN
    can_receive_sms: bool = True
    verified: bool = False
    reasons: tuple[str, ...] = ()

    @classmethod
    def format_only(cls) -> "LookupResult":
        """A number whose format is right, with nothing more known of it."""
        return cls(valid=True)

    @classmethod
    def of_line(cls, line_type: LineType) -> "LookupResult":
        """A valid number the provider vouched for, with its line type."""
        return cls(
            valid=True, line_type=line_type, can_receive_sms=line_type not in NO_SMS, verified=True
        )

    @classmethod
    def invalid(cls, *reasons: str) -> "LookupResult":
        return cls(valid=False, can_receive_sms=False, verified=True, reasons=reasons)


class PhoneLookup(Protocol):
    async def check(self, phone: PhoneNumber) -> LookupResult:
        """What the provider knows of `phone`; never raises for the provider's failures."""
        ...
