"""Phones checked as recipients are stored: PUT, PATCH and bulk ask the lookup about a
new, unverified or newly texted number, refuse what check_phone refuses, and keep
whether the number was verified."""

import pytest

from application.ports.phone_lookup import LineType, LookupResult
from application.recipients.bulk_upsert import BulkEntry, BulkUpsertRecipients, Outcome
from application.recipients.fields import ChannelsInput, RecipientInput
from application.recipients.patch_recipient import PatchRecipient, PatchRecipientCommand
from application.recipients.put_recipient import PutRecipient, PutRecipientCommand
from domain.accounts import Role
from domain.errors import InvalidInput
from domain.recipients import ExternalId
from tests.support.accounts import new_user
from tests.support.container import Fakes, use_cases

ADMIN = new_user("root", Role.ADMIN)
MOBILE, LANDLINE, BAD, DOWN = "+14155552671", "+14155550100", "+14155550199", "+14155550500"


def scripted() -> Fakes:
    fakes = Fakes()
    fakes.phone_lookup.script.update(
        {
            MOBILE: LookupResult.of_line(LineType.MOBILE),
            LANDLINE: LookupResult.of_line(LineType.LANDLINE),
            BAD: LookupResult.invalid("TOO_SHORT"),
            DOWN: LookupResult.format_only(),  # what an unreachable provider answers
        }
    )
    return fakes


def phone(number: str, *, sms: bool | None = None) -> RecipientInput:
    if sms is None:
        return RecipientInput(phone=number)
    return RecipientInput(phone=number, channels=ChannelsInput(sms=sms))


def refusal(exc: InvalidInput) -> tuple[str, str]:
    [error] = exc.errors
    return error.field, error.message


async def test_put_refuses_an_invalid_number_and_a_landline_to_text() -> None:
    fakes = scripted()
    async with use_cases(fakes) as request:
        put = await request.get(PutRecipient)
        with pytest.raises(InvalidInput) as invalid:
            await put(PutRecipientCommand(ADMIN, "crm-1", phone(BAD)))
        assert refusal(invalid.value) == ("phone", "is not a valid phone number (TOO_SHORT)")
        with pytest.raises(InvalidInput) as landline:
            await put(PutRecipientCommand(ADMIN, "crm-1", phone(LANDLINE)))
        field, message = refusal(landline.value)
        assert field == "phone"
        assert "cannot receive SMS (its line type is landline)" in message
        assert fakes.recipients.rows == {}
        kept = await put(PutRecipientCommand(ADMIN, "crm-1", phone(LANDLINE, sms=False)))
    assert kept.recipient.phone_verified
    assert not kept.recipient.contact.channels.sms


async def test_an_unreachable_lookup_stores_the_number_unverified() -> None:
    fakes = scripted()
    async with use_cases(fakes) as request:
        put = await request.get(PutRecipient)
        made = await put(PutRecipientCommand(ADMIN, "crm-1", phone(DOWN)))
        assert not made.recipient.phone_verified
        # Asked again next time: the provider may answer now.
        fakes.phone_lookup.script[DOWN] = LookupResult.of_line(LineType.MOBILE)
        again = await put(PutRecipientCommand(ADMIN, "crm-1", phone(DOWN)))
    assert again.recipient.phone_verified
    assert fakes.phone_lookup.asked == [DOWN, DOWN]


async def test_a_verified_number_is_asked_about_only_when_it_changes_or_is_texted() -> None:
    fakes = scripted()
    async with use_cases(fakes) as request:
        put = await request.get(PutRecipient)
        patch = await request.get(PatchRecipient)
        await put(PutRecipientCommand(ADMIN, "crm-1", phone(MOBILE)))
        await put(PutRecipientCommand(ADMIN, "crm-1", phone(MOBILE)))
        await patch(PatchRecipientCommand(ADMIN, "crm-1", RecipientInput(name="Ann")))
        assert fakes.phone_lookup.asked == [MOBILE]
        await put(PutRecipientCommand(ADMIN, "crm-2", phone(LANDLINE, sms=False)))
        sms_on = RecipientInput(channels=ChannelsInput(sms=True))
        with pytest.raises(InvalidInput) as landline:  # a verified landline, asked again
            await patch(PatchRecipientCommand(ADMIN, "crm-2", sms_on))
        assert refusal(landline.value)[0] == "phone"
        changed = await patch(PatchRecipientCommand(ADMIN, "crm-1", phone(DOWN)))
    assert fakes.phone_lookup.asked == [MOBILE, LANDLINE, LANDLINE, DOWN]
    assert not changed.phone_verified
    stored = await fakes.recipients.get(ExternalId("crm-2"))
    assert stored is not None
    assert not stored.contact.channels.sms


async def test_patch_refuses_an_invalid_new_number_and_keeps_the_old_one() -> None:
    fakes = scripted()
    async with use_cases(fakes) as request:
        put = await request.get(PutRecipient)
        await put(PutRecipientCommand(ADMIN, "crm-1", phone(MOBILE)))
        patch = await request.get(PatchRecipient)
        with pytest.raises(InvalidInput) as invalid:
            await patch(PatchRecipientCommand(ADMIN, "crm-1", phone(BAD)))
    assert refusal(invalid.value) == ("phone", "is not a valid phone number (TOO_SHORT)")
    stored = await fakes.recipients.get(ExternalId("crm-1"))
    assert stored is not None
    assert stored.contact.phone is not None
    assert (stored.contact.phone.value, stored.phone_verified) == (MOBILE, True)


async def test_bulk_reports_a_refused_phone_by_index_and_keeps_the_others() -> None:
    fakes = scripted()
    entries = [
        BulkEntry("crm-1", phone(MOBILE)),
        BulkEntry("crm-2", phone(BAD)),
        BulkEntry("crm-3", phone(LANDLINE)),
        BulkEntry("crm-4", phone(DOWN)),
        BulkEntry("crm-5", RecipientInput(email="e@example.com")),
    ]
    async with use_cases(fakes) as request:
        results = await (await request.get(BulkUpsertRecipients))(ADMIN, entries)
    assert [(r.index, r.outcome) for r in results] == [
        (0, Outcome.CREATED),
        (1, Outcome.INVALID),
        (2, Outcome.INVALID),
        (3, Outcome.CREATED),
        (4, Outcome.CREATED),
    ]
    assert [e.field for r in results[1:3] for e in r.errors] == ["phone", "phone"]
    verified = {r.external_id: r.recipient.phone_verified for r in results if r.recipient}
    assert verified == {"crm-1": True, "crm-4": False, "crm-5": False}
    assert sorted(fakes.phone_lookup.asked) == sorted([MOBILE, BAD, LANDLINE, DOWN])
    stored = sorted(r.external_id.value for r in fakes.recipients.rows.values())
    assert stored == ["crm-1", "crm-4", "crm-5"]
