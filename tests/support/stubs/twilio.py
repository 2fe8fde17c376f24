"""A local stub of Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`).

It speaks Twilio's wire format: form-encoded requests, HTTP Basic auth with the account
SID and auth token, 201 with Twilio's message JSON, and Twilio's JSON error bodies.
Failure modes are chosen by the `To` number (Twilio's own magic test numbers where
there is one), or scripted per number with `script()` / `POST /_stub/script`.

Run alone: `uv run python -m tests.support.stubs.twilio --port 8901`.
"""

from __future__ import annotations

import argparse
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from tests.support.stubs.server import (
    Headers,
    InspectableStub,
    Receive,
    Scope,
    Send,
    basic_credentials,
    main,
    read_body,
    respond,
    serve_inspection,
)

ACCOUNT_SID = "AC" + "0" * 30 + "42"
AUTH_TOKEN = "stub-auth-token"

INVALID_NUMBER = "+15005550001"  # 400, code 21211 (Twilio's magic test number)
OPTED_OUT = "+15005550004"  # 400, code 21610 (the recipient sent STOP)
RATE_LIMITED = "+15005550429"  # 429, code 20429, Retry-After: 2
SERVER_ERROR = "+15005550500"  # 500, code 20500
UNAVAILABLE = "+15005550503"  # 503, code 20503
SLOW = "+15005550777"  # answers 201 after `slow_seconds`

_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service is unavailable. Please try again",
    21211: "The 'To' number {to} is not a valid phone number.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
}
_CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


def error_json(status: int, code: int, to: str = "") -> bytes:
    return json.dumps(
        {
            "code": code,
            "message": _MESSAGES.get(code, "Error").format(to=to),
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    ).encode()


@dataclass(frozen=True, slots=True)
class ReceivedSms:
    sid: str
    account_sid: str  # from the URL
    auth_user: str  # from the Basic auth header
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None


class TwilioStub(InspectableStub):
    messages: list[ReceivedSms]

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
        return error_json(status, _CODE_FOR_STATUS.get(status, 21211 if status == 400 else status))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if await serve_inspection(scope, receive, send, self):
            return
        parts = scope["path"].strip("/").split("/")
        is_create = (
            scope["method"] == "POST"
            and len(parts) == 4
            and parts[:2] == ["2010-04-01", "Accounts"]
            and parts[3] == "Messages.json"
        )
        if not is_create:
            await respond(send, 404, error_json(404, 20404))
            return
        credentials = basic_credentials(scope)
        if credentials != (self.account_sid, self.auth_token) or parts[2] != self.account_sid:
            await respond(
                send,
                401,
                error_json(401, 20003),
                [(b"www-authenticate", b'Basic realm="Twilio API"')],
            )
            return
        form = {k: v[0] for k, v in parse_qs((await read_body(receive)).decode()).items()}
        await self._create(send, form, credentials[0])

    async def _create(self, send: Send, form: dict[str, str], auth_user: str) -> None:
        to = form.get("To", "")
        scripted = self.scripted(to)
        if scripted is not None:
            await respond(send, scripted.status, scripted.body, scripted.headers)
            return
        failure = self._failure(form, to)
        if failure is not None:
            status, code, headers = failure
            await respond(send, status, error_json(status, code, to), headers)
            return
        if to == SLOW:
            await self.slow()
        sms = ReceivedSms(
            sid="SM" + uuid.uuid4().hex,
            account_sid=self.account_sid,
            auth_user=auth_user,
            to=to,
            from_=form.get("From"),
            messaging_service_sid=form.get("MessagingServiceSid"),
            body=form["Body"],
            status_callback=form.get("StatusCallback"),
        )
        self.messages.append(sms)
        await respond(send, 201, json.dumps(self._message_json(sms)).encode())

    @staticmethod
    def _failure(form: dict[str, str], to: str) -> tuple[int, int, Headers] | None:
        if not to:
            return 400, 21604, []
        if not form.get("Body"):
            return 400, 21602, []
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, 21603, []
        return {
            INVALID_NUMBER: (400, 21211, []),
            OPTED_OUT: (400, 21610, []),
            RATE_LIMITED: (429, 20429, [(b"retry-after", b"2")]),
            SERVER_ERROR: (500, 20500, []),
            UNAVAILABLE: (503, 20503, []),
        }.get(to)

    def _message_json(self, sms: ReceivedSms) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
        uri = f"/2010-04-01/Accounts/{sms.account_sid}/Messages/{sms.sid}"
        return {
            "account_sid": sms.account_sid,
            "api_version": "2010-04-01",
            "body": sms.body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sms.from_,
            "messaging_service_sid": sms.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sms.sid,
            "status": "accepted" if sms.from_ is None else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": sms.to,
            "uri": f"{uri}.json",
        }


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account-sid", default=ACCOUNT_SID)
    parser.add_argument("--auth-token", default=AUTH_TOKEN)


if __name__ == "__main__":
    main(
        "Twilio Messages API stub",
        lambda a: TwilioStub(a.account_sid, a.auth_token, a.slow_seconds),
        _arguments,
    )
