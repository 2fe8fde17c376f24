"""A local stub of Sentry's ingestion endpoint (`POST /api/<project id>/envelope/`).

It speaks the envelope format the SDK sends: a JSON header line, then items, each a JSON
item header (with `type` and, usually, `length`) and its payload; the body may be gzip or
brotli encoded (`Content-Encoding`), and `X-Sentry-Auth` carries the DSN's public key.
It keeps the `event` items; sessions and client reports are accepted and ignored.
`GET /_stub/events` lists them, `DELETE /_stub/events` forgets them.

Run alone: `uv run python -m tests.support.stubs.sentry --port 8903`; the DSN is then
`http://<PUBLIC_KEY>@127.0.0.1:8903/<PROJECT_ID>`.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import re
from typing import Any

from tests.support.stubs.server import Receive, Scope, Send, header, main, read_body, respond

PUBLIC_KEY = "stubpublickey"
PROJECT_ID = 42
_ENVELOPE_PATH = re.compile(r"/api/(\d+)/envelope/")


def dsn(base_url: str) -> str:
    scheme, _, host = base_url.partition("://")
    return f"{scheme}://{PUBLIC_KEY}@{host}/{PROJECT_ID}"


def parse_envelope(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """The (item header, payload) pairs of an envelope."""
    _envelope_header, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        item_header_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_header_line)
        if "length" in item_header:
            length = int(item_header["length"])
            payload, rest = rest[:length], rest[length:].removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item_header, payload))
    return items


def _decode(body: bytes, encoding: str) -> bytes | None:
    """The body as sent, or None for an encoding the stub cannot read."""
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        try:
            return bytes(importlib.import_module("brotli").decompress(body))
        except ModuleNotFoundError:  # the SDK only sends brotli when it is installed
            return None
    return None


class SentryStub:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def reset(self) -> None:
        self.events.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/_stub/events" and method == "GET":
            await respond(send, 200, json.dumps(self.events).encode())
        elif path == "/_stub/events" and method == "DELETE":
            self.reset()
            await respond(send, 204, content_type=b"text/plain")
        elif (match := _ENVELOPE_PATH.fullmatch(path)) and method == "POST":
            await self._envelope(scope, receive, send, int(match.group(1)))
        else:
            await respond(send, 404, b'{"detail":"not found"}')

    async def _envelope(self, scope: Scope, receive: Receive, send: Send, project: int) -> None:
        auth = header(scope, b"x-sentry-auth") or ""
        if project != PROJECT_ID or f"sentry_key={PUBLIC_KEY}" not in auth:
            await respond(send, 401, b'{"detail":"bad DSN"}')
            return
        encoding = (header(scope, b"content-encoding") or "").strip().lower()
        body = _decode(await read_body(receive), encoding)
        if body is None:
            await respond(send, 415, b'{"detail":"unsupported content encoding"}')
            return
        for item_header, payload in parse_envelope(body):
            if item_header.get("type") == "event":
                self.events.append(json.loads(payload))
        await respond(send, 200, b"{}")


def _build(_args: argparse.Namespace) -> SentryStub:
    return SentryStub()


if __name__ == "__main__":
    main("Sentry envelope stub", _build, lambda _parser: None)
