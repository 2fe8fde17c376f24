"""A Rasa stub speaking the real `/model/parse` wire format: `POST /model/parse?token=...`
with `{"text": ...}` answers `{"text", "intent": {"name", "confidence"}, "entities",
"text_tokens", "intent_ranking": [...]}`; a wrong token is Rasa's 401. Its "model" is a
table of texts; anything else is Rasa's `nlu_fallback`. Scripted answers (by text) play
500s and garbage; the text `slow` waits `slow_seconds`."""

import json
from typing import Any
from urllib.parse import parse_qs

from tests.support.stubs.server import (
    InspectableStub,
    Receive,
    Scope,
    Send,
    read_body,
    respond,
    serve_inspection,
)

TOKEN = "rasa-test-token"
SLOW = "slow"
MODEL = {
    "yes": ("affirm", 0.98),
    "sure, why not": ("affirm", 0.91),
    "no": ("deny", 0.97),
    "please stop texting me": ("stop", 0.95),
    "start": ("start", 0.96),
    "who is this?": ("help", 0.89),
    "hmm maybe": ("affirm", 0.31),  # unsure
}
_OTHERS = ["affirm", "deny", "stop", "start", "help", "other"]


def parse_json(text: str) -> dict[str, Any]:
    name, confidence = MODEL.get(text, ("nlu_fallback", 0.3))
    rest = [n for n in _OTHERS if n != name]
    share = (1 - confidence) / len(rest)
    return {
        "text": text,
        "intent": {"name": name, "confidence": confidence},
        "entities": [],
        "text_tokens": [[0, len(text)]],
        "intent_ranking": [{"name": name, "confidence": confidence}]
        + [{"name": n, "confidence": share} for n in rest],
    }


class RasaStub(InspectableStub):
    def __init__(self, token: str = TOKEN, slow_seconds: float = 3.0) -> None:
        super().__init__(slow_seconds)
        self.token = token

    def messages_json(self) -> list[dict[str, Any]]:
        return [{"text": t} for t in self.messages]

    def error_body(self, status: int) -> bytes:
        return json.dumps({"status": "failure", "code": status}).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if await serve_inspection(scope, receive, send, self):
            return
        if scope["method"] != "POST" or scope["path"] != "/model/parse":
            await respond(send, 404, self.error_body(404))
            return
        query = parse_qs(scope.get("query_string", b"").decode())
        if query.get("token") != [self.token]:
            body: dict[str, Any] = {
                "version": "3.6.20",
                "status": "failure",
                "message": "User is not authenticated.",
                "reason": "NotAuthenticated",
                "details": {},
                "help": None,
                "code": 401,
            }
            await respond(send, 401, json.dumps(body).encode())
            return
        text = str(json.loads(await read_body(receive)).get("text", ""))
        self.messages.append(text)
        scripted = self.scripted(text)
        if scripted is not None:
            await respond(send, scripted.status, scripted.body, scripted.headers)
            return
        if text == SLOW:
            await self.slow()
        await respond(send, 200, json.dumps(parse_json(text)).encode())
