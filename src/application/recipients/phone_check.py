"""The rule a recipient's phone number must pass before it is stored."""

from application.ports.phone_lookup import LookupResult, PhoneLookup
from domain.errors import InvalidInput
from domain.recipients import Contact, PhoneNumber, Recipient


async def check_phone(lookup: PhoneLookup, phone: PhoneNumber, sms_on: bool) -> LookupResult:
    """Look `phone` up and return what is known of it (store `verified` with the number).

    - invalid (the provider says so, with its reasons) -> InvalidInput naming `phone`;
    - a line that cannot receive SMS (a landline) while the sms channel is on -> the same;
    - the provider unreachable -> accepted on its format alone, `verified` False.
    """
    result = await lookup.check(phone)
    if not result.valid:
        why = f" ({', '.join(result.reasons)})" if result.reasons else ""
        raise InvalidInput.field("phone", f"is not a valid phone number{why}")
    if sms_on and not result.can_receive_sms:
        raise InvalidInput.field(
            "phone",
            f"cannot receive SMS (its line type is {result.line_type}): turn the sms channel off "
            "or give a mobile number",
        )
    return result


def needs_lookup(current: Recipient | None, contact: Contact) -> bool:
    """Whether storing `contact` over `current` asks the lookup about its phone: a new
    number, one not verified yet (the provider may answer now), or the sms channel turned
    on for it (a verified landline may keep its phone, not take SMS). A PUT repeating a
    verified number asks nothing."""
    if contact.phone is None:
        return False
    if current is None or not current.phone_verified or current.contact.phone != contact.phone:
        return True
    return contact.channels.sms and not current.contact.channels.sms


async def verify_phone(lookup: PhoneLookup, current: Recipient | None, contact: Contact) -> bool:
    """Whether `contact`'s phone is verified once stored over `current` (None: a new
    recipient); InvalidInput naming `phone` as check_phone refuses it."""
    if contact.phone is None:
        return False
    if not needs_lookup(current, contact):
        return True
    return (await check_phone(lookup, contact.phone, contact.channels.sms)).verified
