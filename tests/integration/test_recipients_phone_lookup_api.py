"""Recipients' phones through the whole app with HERALD_PHONE_LOOKUP=twilio, against the
Lookup v2 stub: invalid numbers and landlines to text are 422s naming `phone` (in bulk,
that entry's), an unreachable Lookup leaves the number unverified, and a verified number
is not looked up again."""

from typing import Any

import pytest
from dishka import AsyncContainer
from litestar.testing import AsyncTestClient

from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.support.auth import admin_bearer
from tests.support.problems import assert_problem
from tests.support.stubs import twilio, twilio_lookup
from tests.support.stubs.fixtures import RunningStub
from tests.support.stubs.twilio_lookup import TwilioLookupStub

Client = AsyncTestClient[Any]


@pytest.fixture
def settings(sqlite_url: str, twilio_lookup_stub: RunningStub[TwilioLookupStub]) -> Settings:
    return make_settings(
        sqlite_url,
        phone_lookup="twilio",
        phone_lookup_base_url=twilio_lookup_stub.url,
        twilio_account_sid=twilio.ACCOUNT_SID,
        twilio_auth_token=twilio.AUTH_TOKEN,
        twilio_from_number="+15005550006",
    )


@pytest.fixture
async def admin(client: Client, container: AsyncContainer) -> dict[str, str]:
    return await admin_bearer(client, container)


def phone_error(response: Any) -> str:
    [error] = assert_problem(response, 422)["errors"]
    assert error["field"] == "phone"
    return str(error["message"])


async def test_invalid_numbers_and_landlines_to_text_are_refused(
    client: Client, admin: dict[str, str]
) -> None:
    invalid = await client.put(
        "/recipients/crm-1", headers=admin, json={"phone": twilio_lookup.INVALID}
    )
    assert phone_error(invalid) == "is not a valid phone number (TOO_SHORT)"
    landline = await client.put(
        "/recipients/crm-1", headers=admin, json={"phone": twilio_lookup.LANDLINE}
    )
    assert "cannot receive SMS" in phone_error(landline)
    assert (await client.get("/recipients/crm-1", headers=admin)).status_code == 404
    kept = await client.put(
        "/recipients/crm-1",
        headers=admin,
        json={"phone": twilio_lookup.LANDLINE, "channels": {"sms": False}},
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["phone_verified"] is True
    texted = await client.patch(
        "/recipients/crm-1", headers=admin, json={"channels": {"sms": True}}
    )
    assert "cannot receive SMS" in phone_error(texted)


async def test_an_unreachable_lookup_leaves_the_number_unverified(
    client: Client, admin: dict[str, str]
) -> None:
    made = await client.put(
        "/recipients/crm-1", headers=admin, json={"phone": twilio_lookup.SERVER_ERROR}
    )
    assert made.status_code == 201, made.text
    assert made.json()["phone"] == twilio_lookup.SERVER_ERROR
    assert made.json()["phone_verified"] is False


async def test_a_verified_number_is_looked_up_once(
    client: Client, admin: dict[str, str], twilio_lookup_stub: RunningStub[TwilioLookupStub]
) -> None:
    for status in (201, 200):
        answer = await client.put(
            "/recipients/crm-1", headers=admin, json={"name": "Ann", "phone": twilio_lookup.MOBILE}
        )
        assert answer.status_code == status, answer.text
        assert answer.json()["phone_verified"] is True
    renamed = await client.patch("/recipients/crm-1", headers=admin, json={"name": "Ann Lee"})
    assert renamed.json()["phone_verified"] is True
    assert [m.number for m in twilio_lookup_stub.app.messages] == [twilio_lookup.MOBILE]


async def test_bulk_reports_refused_phones_by_index(client: Client, admin: dict[str, str]) -> None:
    items = [
        {"external_id": "crm-1", "phone": twilio_lookup.MOBILE},
        {"external_id": "crm-2", "phone": twilio_lookup.INVALID},
        {"external_id": "crm-3", "phone": twilio_lookup.LANDLINE},
        {"external_id": "crm-4", "phone": twilio_lookup.SERVER_ERROR},
    ]
    answer = await client.post("/recipients/bulk", headers=admin, json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["created"], body["invalid"]) == (2, 2)
    by_index = {e["index"]: e for e in body["items"]}
    assert [by_index[i]["status"] for i in range(4)] == ["created", "invalid", "invalid", "created"]
    assert [e["field"] for i in (1, 2) for e in by_index[i]["errors"]] == ["phone", "phone"]
    assert by_index[0]["recipient"]["phone_verified"] is True
    assert by_index[3]["recipient"]["phone_verified"] is False
    assert (await client.get("/recipients/crm-2", headers=admin)).status_code == 404
