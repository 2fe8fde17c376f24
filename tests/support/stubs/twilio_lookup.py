"""A local stub of Twilio Lookup v2 (`GET /v2/PhoneNumbers/{number}?Fields=...`).

It speaks Lookup's wire format: HTTP Basic auth with the account SID and auth token, 200
with Lookup's phone number JSON (`valid`, `validation_errors`, and the
`line_type_intelligence` package when `Fields` asks for it), and Twilio's JSON error
bodies. Answers are chosen by the number (the constants below), or scripted per number
with `script()` / `POST /_stub/script`. Every lookup is recorded in `messages`.

Run alone: `uv run python -m tests.support.stubs.twilio_lookup --port 8903`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.support.stubs.server import (
    InspectableStub,
    Receive,
    Scope,
    Send,
    basic_credentials,
    main,
    respond,
    serve_inspection,
)
from tests.support.stubs.twilio import ACCOUNT_SID, AUTH_TOKEN, error_json

__all__ = ["ACCOUNT_SID", "AUTH_TOKEN", "ReceivedLookup", "TwilioLookupStub", "phone_number_json"]

MOBILE = "+14155552671"  # any number not listed below is a mobile line
LANDLINE = "+14155550100"
FIXED_VOIP = "+14155550101"
NO_LINE_DATA = "+14155550102"  # valid, but line_type_intelligence has a null type
INVALID = "+141555501"  # valid: false, validation_errors ["TOO_SHORT"]
NOT_FOUND = "+14155550404"  # 404, code 20404
RATE_LIMITED = "+14155550429"  # 429, code 20429, Retry-After: 2
SERVER_ERROR = "+14155550500"  # 500, code 20500
SLOW = "+14155550777"  # answers 200 after `slow_seconds`

_LINE_TYPES = {LANDLINE: "landline", FIXED_VOIP: "fixedVoip", NO_LINE_DATA: None}
_FAILURES = {
    NOT_FOUND: (404, 20404, []),
    RATE_LIMITED: (429, 20429, [(b"retry-after", b"2")]),
    SERVER_ERROR: (500, 20500, []),
}
_CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass(frozen=True, slots=True)
class ReceivedLookup:
    number: str
    fields: str | None
    auth_user: str


class TwilioLookupStub(InspectableStub):
    messages: list[ReceivedLookup]

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        slow_seconds: float = 5.0,
    ) -> None:
        super().__init__(slow_seconds)
        self.account_sid = account_sid
        self.auth_token = auth_token

    def messages_json(self) -> list[dict[str, Any]]:
        return [asdict(m) for m in self.messages]

    def error_body(self, status: int) -> bytes:
        return error_json(status, _CODE_FOR_STATUS.get(status, status))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if await serve_inspection(scope, receive, send, self):
            return
        parts = scope["path"].strip("/").split("/")
        if scope["method"] != "GET" or len(parts) != 3 or parts[:2] != ["v2", "PhoneNumbers"]:
            await respond(send, 404, error_json(404, 20404))
            return
        credentials = basic_credentials(scope)
        if credentials != (self.account_sid, self.auth_token):
            await respond(
                send,
                401,
                error_json(401, 20003),
                [(b"www-authenticate", b'Basic realm="Twilio API"')],
            )
            return
        query = parse_qs(scope["query_string"].decode())
        number = unquote(parts[2])
        fields = query.get("Fields", [None])[0]
        self.messages.append(ReceivedLookup(number, fields, credentials[0]))
        await self._answer(send, number, fields)

    async def _answer(self, send: Send, number: str, fields: str | None) -> None:
        scripted = self.scripted(number)
        if scripted is not None:
            await respond(send, scripted.status, scripted.body, scripted.headers)
            return
        if number in _FAILURES:
            status, code, headers = _FAILURES[number]
            await respond(send, status, error_json(status, code), headers)
            return
        if number == SLOW:
            await self.slow()
        packages = (fields or "").split(",")
        await respond(send, 200, json.dumps(phone_number_json(number, packages)).encode())


def phone_number_json(number: str, packages: list[str]) -> dict[str, Any]:
    """Lookup v2's answer for `number`, with the line type package if it was asked for."""
    valid = number != INVALID
    line: dict[str, Any] | None = None
    if "line_type_intelligence" in packages and valid:
        kind = _LINE_TYPES.get(number, "mobile")
        line = {
            "carrier_name": None if kind is None else "Stub Wireless",
            "error_code": 60600 if kind is None else None,
            "mobile_country_code": "310" if kind == "mobile" else None,
            "mobile_network_code": "456" if kind == "mobile" else None,
            "type": kind,
        }
    return {
        "calling_country_code": "1",
        "country_code": "US" if valid else None,
        "phone_number": number,
        "national_format": number[2:] if valid else None,
        "valid": valid,
        "validation_errors": [] if valid else ["TOO_SHORT"],
        "caller_name": None,
        "sim_swap": None,
        "call_forwarding": None,
        "line_status": None,
        "line_type_intelligence": line,
        "identity_match": None,
        "reassigned_number": None,
        "sms_pumping_risk": None,
        "phone_number_quality_score": None,
        "pre_fill": None,
        "url": f"https://lookups.twilio.com/v2/PhoneNumbers/{number}",
    }


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account-sid", default=ACCOUNT_SID)
    parser.add_argument("--auth-token", default=AUTH_TOKEN)


if __name__ == "__main__":
    main(
        "Twilio Lookup v2 stub",
        lambda a: TwilioLookupStub(a.account_sid, a.auth_token, a.slow_seconds),
        _arguments,
    )
