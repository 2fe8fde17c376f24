"""The Twilio stub, recording when each request arrived (for the notification benchmarks).

Each SMS body the benchmarks send is `due=<unix seconds> ref=<notification id>`, so the
latency of a send is `received - due` without any join against the database.
`GET /_bench/received` returns [[received_unix, body], ...] (`?from=N`: from the N-th
on, so that a poller reads each once); `DELETE` clears it.

Run: `uv run python -m tests.support.timed_twilio_stub --port 8901`.
"""

import json
import time
from urllib.parse import parse_qs

from tests.support.stubs.server import Receive, Scope, Send, main, respond
from tests.support.stubs.twilio import TwilioStub


class TimedTwilioStub(TwilioStub):
    def __init__(self, account_sid: str, auth_token: str, slow_seconds: float) -> None:
        super().__init__(account_sid, auth_token, slow_seconds)
        self.received: list[tuple[float, str]] = []

    async def _create(self, send: Send, form: dict[str, str], auth_user: str) -> None:
        self.received.append((time.time(), form.get("Body", "")))
        await super()._create(send, form, auth_user)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/_bench/received":
            if scope["method"] == "DELETE":
                self.received.clear()
                self.messages.clear()
                await respond(send, 204, content_type=b"text/plain")
            else:
                query = parse_qs(scope.get("query_string", b"").decode())
                start = int(query.get("from", ["0"])[0])
                await respond(send, 200, json.dumps(self.received[start:]).encode())
            return
        await super().__call__(scope, receive, send)


if __name__ == "__main__":
    from tests.support.stubs.twilio import _arguments

    main(
        "Timed Twilio stub",
        lambda a: TimedTwilioStub(a.account_sid, a.auth_token, a.slow_seconds),
        _arguments,
    )
