"""check_phone: what a lookup's answer means for a recipient's phone number."""

import pytest

from adapters.memory.phone_lookup import FormatPhoneLookup, ScriptedPhoneLookup
from application.ports.phone_lookup import LineType, LookupResult
from application.recipients.phone_check import check_phone
from domain.errors import FieldError, InvalidInput
from domain.preferences import PhoneNumber

PHONE = PhoneNumber("+14155552671")


def _answering(result: LookupResult) -> ScriptedPhoneLookup:
    return ScriptedPhoneLookup({PHONE.value: result})


@pytest.mark.parametrize("sms_on", [True, False])
async def test_an_invalid_number_is_refused_naming_phone_and_the_reasons(sms_on: bool) -> None:
    lookup = _answering(LookupResult.invalid("TOO_SHORT", "INVALID_LENGTH"))
    with pytest.raises(InvalidInput) as refused:
        await check_phone(lookup, PHONE, sms_on=sms_on)
    assert refused.value.errors == (
        FieldError("phone", "is not a valid phone number (TOO_SHORT, INVALID_LENGTH)"),
    )


async def test_a_landline_is_refused_while_the_sms_channel_is_on() -> None:
    with pytest.raises(InvalidInput) as refused:
        await check_phone(_answering(LookupResult.of_line(LineType.LANDLINE)), PHONE, sms_on=True)
    [error] = refused.value.errors
    assert error.field == "phone"
    assert "cannot receive SMS (its line type is landline)" in error.message


async def test_a_landline_is_kept_while_the_sms_channel_is_off() -> None:
    result = LookupResult.of_line(LineType.LANDLINE)
    assert await check_phone(_answering(result), PHONE, sms_on=False) == result


@pytest.mark.parametrize("line_type", [LineType.MOBILE, LineType.NON_FIXED_VOIP, LineType.UNKNOWN])
async def test_a_line_that_may_receive_sms_is_accepted_and_verified(line_type: LineType) -> None:
    result = await check_phone(_answering(LookupResult.of_line(line_type)), PHONE, sms_on=True)
    assert result.verified
    assert result.line_type is line_type


async def test_an_unreachable_lookup_accepts_the_number_unverified() -> None:
    result = await check_phone(_answering(LookupResult.format_only()), PHONE, sms_on=True)
    assert result == LookupResult(valid=True, verified=False)


async def test_the_format_check_alone_accepts_every_number_unverified() -> None:
    result = await check_phone(FormatPhoneLookup(), PHONE, sms_on=True)
    assert result == LookupResult(valid=True, line_type=LineType.UNKNOWN, verified=False)
