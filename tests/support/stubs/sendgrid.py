"""A local stub of SendGrid's v3 Mail Send API (`POST /v3/mail/send`).

It speaks SendGrid's wire format: JSON body (personalizations, from, subject, content,
custom_args), `Authorization: Bearer <api key>`, 202 with an empty body and
`X-Message-Id`, and `{"errors": [{"message", "field", "help"}]}` on failure.
Failure modes are chosen by the recipient address, or scripted per address with
`script()` / `POST /_stub/script`.

Run alone: `uv run python -m tests.support.stubs.sendgrid --port 8902`.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from tests.support.stubs.server import (
    InspectableStub,
    Receive,
    Scope,
    Send,
    header,
    main,
    read_body,
    respond,
    serve_inspection,
)

API_KEY = "SG.stub-api-key"

INVALID_ADDRESS = "invalid@stub.test"  # 400, field personalizations.0.to.0.email
FORBIDDEN = "forbidden@stub.test"  # 403, e.g. an unverified sender identity
RATE_LIMITED = "ratelimited@stub.test"  # 429 with X-RateLimit-Reset and Retry-After: 2
SERVER_ERROR = "error@stub.test"  # 500
UNAVAILABLE = "unavailable@stub.test"  # 503
SLOW = "slow@stub.test"  # answers 202 after `slow_seconds`

_HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"


def errors_json(*errors: tuple[str, str | None]) -> bytes:
    return json.dumps(
        {
            "errors": [
                {"message": message, "field": field, "help": _HELP if field else None}
                for message, field in errors
            ]
        }
    ).encode()


_DEFAULT_ERRORS = {
    400: ("Bad Request", None),
    401: ("The provided authorization grant is invalid, expired, or revoked", None),
    403: ("The from address does not match a verified Sender Identity.", "from"),
    404: ("Not Found", None),
    413: ("Payload Too Large", None),
    429: ("too many requests", None),
    500: ("An internal server error occurred.", None),
    503: ("Service Unavailable", None),
}


@dataclass(frozen=True, slots=True)
class ReceivedEmail:
    message_id: str
    api_key: str  # from the Bearer header
    to: list[str]
    from_email: str
    subject: str
    content: list[dict[str, str]]
    custom_args: dict[str, str]


class SendGridStub(InspectableStub):
    messages: list[ReceivedEmail]

    def __init__(self, api_key: str = API_KEY, slow_seconds: float = 5.0) -> None:
        super().__init__(slow_seconds)
        self.api_key = api_key

    def messages_json(self) -> list[dict[str, Any]]:
        return [asdict(m) for m in self.messages]

    def error_body(self, status: int) -> bytes:
        return errors_json(_DEFAULT_ERRORS.get(status, ("Error", None)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if await serve_inspection(scope, receive, send, self):
            return
        if (scope["method"], scope["path"]) != ("POST", "/v3/mail/send"):
            await respond(send, 404, self.error_body(404))
            return
        if header(scope, b"authorization") != f"Bearer {self.api_key}":
            await respond(send, 401, self.error_body(401))
            return
        try:
            mail = json.loads(await read_body(receive))
            to = [r["email"] for p in mail["personalizations"] for r in p["to"]]
        except (ValueError, KeyError, TypeError):
            await respond(
                send,
                400,
                errors_json(
                    (
                        "The personalizations field is required and must have at least one "
                        "personalization.",
                        "personalizations",
                    )
                ),
            )
            return
        await self._send(send, mail, to)

    async def _send(self, send: Send, mail: dict[str, Any], to: list[str]) -> None:
        scripted = self.scripted(to[0]) if to else None
        if scripted is not None:
            await respond(send, scripted.status, scripted.body, scripted.headers)
            return
        invalid = self._invalid(mail, to)
        if invalid is not None:
            await respond(send, 400, errors_json(invalid))
            return
        failure = {
            FORBIDDEN: (403, []),
            RATE_LIMITED: (
                429,
                [
                    (b"retry-after", b"2"),
                    (b"x-ratelimit-limit", b"600"),
                    (b"x-ratelimit-remaining", b"0"),
                    (b"x-ratelimit-reset", str(int(time.time()) + 2).encode()),
                ],
            ),
            SERVER_ERROR: (500, []),
            UNAVAILABLE: (503, []),
        }.get(to[0])
        if failure is not None:
            await respond(send, failure[0], self.error_body(failure[0]), failure[1])
            return
        if to[0] == SLOW:
            await self.slow()
        message_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        self.messages.append(
            ReceivedEmail(
                message_id=message_id,
                api_key=self.api_key,
                to=to,
                from_email=mail["from"]["email"],
                subject=mail["subject"],
                content=mail["content"],
                custom_args=mail.get("custom_args", {}),
            )
        )
        await respond(
            send,
            202,
            headers=[(b"x-message-id", message_id.encode())],
            content_type=b"text/plain; charset=utf-8",
        )

    @staticmethod
    def _invalid(mail: dict[str, Any], to: list[str]) -> tuple[str, str] | None:
        if not to or any("@" not in address or address == INVALID_ADDRESS for address in to):
            return "The to email does not contain a valid address.", "personalizations.0.to.0.email"
        sender = mail.get("from")
        if not isinstance(sender, dict) or "@" not in str(sender.get("email", "")):
            return "The from email does not contain a valid address.", "from.email"
        if not mail.get("subject"):
            return "The subject is required.", "subject"
        content = mail.get("content")
        if not content or not all(c.get("type") and c.get("value") for c in content):
            return "Unless a valid template_id is provided, the content is required.", "content"
        return None


if __name__ == "__main__":

    def _arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--api-key", default=API_KEY)

    main("SendGrid Mail Send stub", lambda a: SendGridStub(a.api_key, a.slow_seconds), _arguments)
