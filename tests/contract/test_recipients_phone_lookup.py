"""PhoneLookup contract: the scripted fake the use-case tests use, and TwilioPhoneLookup
against the local Lookup v2 stub, give the same result for every kind of answer Twilio
gives; the format check alone answers like Twilio when Twilio cannot be reached."""

import json
from collections.abc import AsyncIterator

import pytest

from adapters.memory.phone_lookup import FormatPhoneLookup, ScriptedPhoneLookup
from adapters.twilio.lookup import TwilioPhoneLookup
from application.ports.phone_lookup import LineType, LookupResult, PhoneLookup
from domain.preferences import PhoneNumber
from tests.support.stubs import twilio_lookup as stub
from tests.support.stubs.fixtures import RunningStub
from tests.support.stubs.server import Scripted
from tests.support.stubs.twilio_lookup import TwilioLookupStub

UNREACHABLE = LookupResult.format_only()

# Each kind of Lookup answer and what every PhoneLookup must make of it.
CASES: dict[str, LookupResult] = {
    stub.MOBILE: LookupResult(
        valid=True, line_type=LineType.MOBILE, can_receive_sms=True, verified=True
    ),
    stub.LANDLINE: LookupResult(
        valid=True, line_type=LineType.LANDLINE, can_receive_sms=False, verified=True
    ),
    stub.FIXED_VOIP: LookupResult(
        valid=True, line_type=LineType.FIXED_VOIP, can_receive_sms=True, verified=True
    ),
    stub.NO_LINE_DATA: LookupResult(
        valid=True, line_type=LineType.UNKNOWN, can_receive_sms=True, verified=True
    ),
    stub.INVALID: LookupResult(
        valid=False, can_receive_sms=False, verified=True, reasons=("TOO_SHORT",)
    ),
    stub.NOT_FOUND: LookupResult(
        valid=False, can_receive_sms=False, verified=True, reasons=("NOT_FOUND",)
    ),
    stub.RATE_LIMITED: UNREACHABLE,
    stub.SERVER_ERROR: UNREACHABLE,
    stub.SLOW: UNREACHABLE,
}


def twilio_lookup(url: str, auth_token: str = stub.AUTH_TOKEN) -> TwilioPhoneLookup:
    # Under the stub's slow answer (2 s), so that SLOW times out.
    return TwilioPhoneLookup(stub.ACCOUNT_SID, auth_token, base_url=url, timeout_seconds=0.5)


@pytest.fixture(params=["scripted", "twilio"])
async def lookup(request: pytest.FixtureRequest) -> AsyncIterator[PhoneLookup]:
    if request.param == "scripted":
        yield ScriptedPhoneLookup(CASES)
        return
    running: RunningStub[TwilioLookupStub] = request.getfixturevalue("twilio_lookup_stub")
    real = twilio_lookup(running.url)
    yield real
    await real.aclose()


@pytest.mark.parametrize("number", list(CASES))
async def test_each_answer_gives_the_same_result(lookup: PhoneLookup, number: str) -> None:
    assert await lookup.check(PhoneNumber(number)) == CASES[number]


@pytest.mark.parametrize("number", [stub.RATE_LIMITED, stub.SERVER_ERROR, stub.SLOW])
async def test_an_unreachable_lookup_answers_as_the_format_check_does(number: str) -> None:
    assert CASES[number] == await FormatPhoneLookup().check(PhoneNumber(number))


# --- The wire, on Twilio only ----------------------------------------------------------


@pytest.fixture
async def twilio(
    twilio_lookup_stub: RunningStub[TwilioLookupStub],
) -> AsyncIterator[TwilioPhoneLookup]:
    real = twilio_lookup(twilio_lookup_stub.url)
    yield real
    await real.aclose()


async def test_twilio_asks_for_the_line_type_of_the_number_with_the_account_credentials(
    twilio: TwilioPhoneLookup, twilio_lookup_stub: RunningStub[TwilioLookupStub]
) -> None:
    await twilio.check(PhoneNumber(stub.MOBILE))
    [received] = twilio_lookup_stub.app.messages
    assert received == stub.ReceivedLookup(stub.MOBILE, "line_type_intelligence", stub.ACCOUNT_SID)


async def test_twilio_refusing_the_credentials_leaves_the_number_unverified(
    twilio_lookup_stub: RunningStub[TwilioLookupStub],
) -> None:
    wrong = twilio_lookup(twilio_lookup_stub.url, auth_token="wrong")
    try:
        assert await wrong.check(PhoneNumber(stub.MOBILE)) == UNREACHABLE
    finally:
        await wrong.aclose()


async def test_twilio_unreachable_leaves_the_number_unverified() -> None:
    closed = twilio_lookup("http://127.0.0.1:9")  # the discard port: nothing listens
    try:
        assert await closed.check(PhoneNumber(stub.MOBILE)) == UNREACHABLE
    finally:
        await closed.aclose()


async def test_an_unreadable_answer_leaves_the_number_unverified(
    twilio: TwilioPhoneLookup, twilio_lookup_stub: RunningStub[TwilioLookupStub]
) -> None:
    twilio_lookup_stub.app.script(stub.MOBILE, Scripted(200, b"<html>proxy error</html>"))
    assert await twilio.check(PhoneNumber(stub.MOBILE)) == UNREACHABLE


@pytest.mark.parametrize(
    ("status", "expected"),
    [(404, CASES[stub.NOT_FOUND]), (503, UNREACHABLE), (400, UNREACHABLE)],
)
async def test_twilios_rfc_9457_errors_are_read_like_its_legacy_ones(
    twilio: TwilioPhoneLookup,
    twilio_lookup_stub: RunningStub[TwilioLookupStub],
    status: int,
    expected: LookupResult,
) -> None:
    problem = {"type": "https://www.twilio.com/docs/errors/x", "title": "t", "status": status}
    body = json.dumps(problem | {"code": 20000 + status}).encode()
    twilio_lookup_stub.app.script(stub.MOBILE, Scripted(status, body))
    assert await twilio.check(PhoneNumber(stub.MOBILE)) == expected


async def test_an_unknown_line_type_is_unknown_and_may_receive_sms(
    twilio: TwilioPhoneLookup, twilio_lookup_stub: RunningStub[TwilioLookupStub]
) -> None:
    answer = stub.phone_number_json(stub.MOBILE, ["line_type_intelligence"])
    answer["line_type_intelligence"]["type"] = "satellite"
    twilio_lookup_stub.app.script(stub.MOBILE, Scripted(200, json.dumps(answer).encode()))
    assert await twilio.check(PhoneNumber(stub.MOBILE)) == CASES[stub.NO_LINE_DATA]
