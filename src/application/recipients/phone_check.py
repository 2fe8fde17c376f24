"""The rule a recipient's phone number must pass before it is stored."""

from application.ports.phone_lookup import LookupResult, PhoneLookup
from domain.errors import InvalidInput
from domain.recipients import PhoneNumber


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
