"""A stub of the data upstream on 127.0.0.1, speaking plain HTTP/1.1: it answers each
GET with the next scripted reply (the last one repeats)."""

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass


@dataclass
class Reply:
    body: bytes | str | object = b""
    status: int = 200
    delay: float = 0.0
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


class StubUpstream:
    def __init__(self) -> None:
        self.replies: list[Reply] = [Reply([])]
        self.hits = 0
        self.in_flight = 0  # requests read and not yet answered
        self.most_in_flight = 0
        self.url = ""
        self.handlers: set[asyncio.Task[None]] = set()

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.hits += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
                if reply.delay:
                    await asyncio.sleep(reply.delay)
            finally:
                self.in_flight -= 1
            body = reply.encoded()
            head = (
                f"HTTP/1.1 {reply.status} Stub\r\nContent-Type: {reply.content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.handlers.discard(task)
            writer.close()


@asynccontextmanager
async def stub_upstream() -> AsyncIterator[StubUpstream]:
    stub = StubUpstream()
    server = await asyncio.start_server(stub._handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stub.url = f"http://127.0.0.1:{port}/data"
    try:
        yield stub
    finally:
        server.close()
        for task in list(stub.handlers):  # a slow reply still sleeping
            task.cancel()
        await asyncio.gather(*stub.handlers, return_exceptions=True)


@contextmanager
def threaded_stub_upstream() -> Iterator[StubUpstream]:
    """The stub on its own event loop in a thread: Litestar's test client blocks the loop
    of the test while the app handles a request, so a stub there could not answer."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    manager = stub_upstream()
    stub = asyncio.run_coroutine_threadsafe(manager.__aenter__(), loop).result(5)
    try:
        yield stub
    finally:
        asyncio.run_coroutine_threadsafe(manager.__aexit__(None, None, None), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
