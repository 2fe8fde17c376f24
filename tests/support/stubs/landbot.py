"""A Landbot API stub speaking its wire format for texts into a customer's chat:
`POST /v1/customers/{customer_id}/send_text/` with `{"message": text}` and
`Authorization: Token <token>` answers 201 `{"success": true}`; a wrong or missing token
is 401 `{"detail": "Invalid token."}`, an unknown customer 404 `{"detail": "Not found."}`
(customers whose id starts with `404`). Scripted answers (by customer id) play 429s,
5xx and the like; the customer `slow` waits `slow_seconds`."""

import argparse
import json
import re
from typing import Any

from tests.support.stubs.server import (
    InspectableStub,
    Receive,
    Scope,
    Send,
    main,
    read_body,
    respond,
    serve_inspection,
)

TOKEN = "landbot-test-token"
SLOW = "slow"
_PATH = re.compile(r"/v1/customers/([^/]+)/send_text/")


class LandbotStub(InspectableStub):
    def __init__(self, token: str = TOKEN, slow_seconds: float = 3.0) -> None:
        super().__init__(slow_seconds)
        self.token = token

    def messages_json(self) -> list[dict[str, Any]]:
        return [{"customer_id": c, "message": m} for c, m in self.messages]

    def error_body(self, status: int) -> bytes:
        detail = {429: "Request was throttled.", 401: "Invalid token."}.get(status, "Error")
        return json.dumps({"detail": detail}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if await serve_inspection(scope, receive, send, self):
            return
        match = _PATH.fullmatch(scope["path"])
        if scope["method"] != "POST" or match is None:
            await respond(send, 404, json.dumps({"detail": "Not found."}).encode())
            return
        customer = match.group(1)
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        if auth != f"Token {self.token}":
            await respond(send, 401, self.error_body(401))
            return
        body = json.loads(await read_body(receive) or b"{}")
        if customer == SLOW:
            await self.slow()
        scripted = self.scripted(customer)
        if scripted is not None:
            await respond(send, scripted.status, scripted.body, scripted.headers)
            return
        if customer.startswith("404"):
            await respond(send, 404, json.dumps({"detail": "Not found."}).encode())
            return
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message:
            await respond(send, 400, json.dumps({"message": ["This field is required."]}).encode())
            return
        self.messages.append((customer, message))
        await respond(send, 201, json.dumps({"success": True}).encode())


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", default=TOKEN, help="the API token it accepts")


if __name__ == "__main__":
    main(
        "Landbot API stub",
        lambda args: LandbotStub(args.token, args.slow_seconds),
        _arguments,
    )
