"""What the provider stubs share: tiny ASGI helpers and a uvicorn runner.

A stub runs either in a background thread of the test process (`StubServer`, bound to
127.0.0.1 on a free port) or as its own process (`main`), for benchmarks and e2e runs.
The apps are raw ASGI, with no framework in the way, so that they answer at once.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class Scripted:
    """An answer the stub gives instead of the normal one, for the next `times` requests."""

    status: int
    body: bytes
    headers: Headers = field(default_factory=list)
    times: int = 1


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def respond(
    send: Send,
    status: int,
    body: bytes = b"",
    headers: Headers | None = None,
    content_type: bytes = b"application/json",
) -> None:
    all_headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    all_headers += headers or []
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def basic_credentials(scope: Scope) -> tuple[str, str] | None:
    value = header(scope, b"authorization") or ""
    if not value.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


async def serve_inspection(
    scope: Scope, receive: Receive, send: Send, stub: InspectableStub
) -> bool:
    """GET /_stub/messages, GET /_stub/count, DELETE /_stub/messages, POST /_stub/script.

    POST /_stub/script takes {"recipient", "status", "times"?, "body"?, "headers"?}; without
    a body the stub answers with its provider's usual error body for that status.
    Returns True if the request was one of these.
    """
    path, method = scope["path"], scope["method"]
    if path == "/_stub/script" and method == "POST":
        spec = json.loads(await read_body(receive))
        status = int(spec["status"])
        body = spec.get("body")
        stub.script(
            spec["recipient"],
            Scripted(
                status,
                json.dumps(body).encode() if body is not None else stub.error_body(status),
                [(k.lower().encode(), str(v).encode()) for k, v in spec.get("headers", {}).items()],
                int(spec.get("times", 1)),
            ),
        )
        await respond(send, 204, content_type=b"text/plain")
    elif path == "/_stub/messages" and method == "GET":
        await respond(send, 200, json.dumps(stub.messages_json()).encode())
    elif path == "/_stub/count" and method == "GET":
        await respond(send, 200, json.dumps({"count": len(stub.messages)}).encode())
    elif path == "/_stub/messages" and method == "DELETE":
        stub.reset()
        await respond(send, 204, content_type=b"text/plain")
    else:
        return False
    return True


class InspectableStub:
    """Base of the stub apps: the received messages, scripted failures, and a slow delay."""

    messages: list[Any]

    def __init__(self, slow_seconds: float) -> None:
        self.messages = []
        self.slow_seconds = slow_seconds
        self._scripts: dict[str, list[Scripted]] = {}

    def reset(self) -> None:
        self.messages.clear()
        self._scripts.clear()

    def messages_json(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def error_body(self, status: int) -> bytes:
        raise NotImplementedError

    def script(self, recipient: str, answer: Scripted) -> None:
        """Answer the next `answer.times` sends to `recipient` with `answer` (e.g. fail twice)."""
        self._scripts.setdefault(recipient, []).append(answer)

    def scripted(self, recipient: str) -> Scripted | None:
        queue = self._scripts.get(recipient)
        if not queue:
            return None
        answer = queue[0]
        answer.times -= 1
        if answer.times <= 0:
            queue.pop(0)
        return answer

    async def slow(self) -> None:
        await asyncio.sleep(self.slow_seconds)


class StubServer:
    """Runs an ASGI app with uvicorn in a daemon thread on 127.0.0.1 and a free port."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> StubServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the stub server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(
    description: str,
    build: Callable[[argparse.Namespace], Any],
    add_arguments: Callable[[argparse.ArgumentParser], None],
) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=5.0,
        help="how long the 'slow' recipient waits before answering",
    )
    add_arguments(parser)
    args = parser.parse_args()
    app = build(args)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"{description} listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
