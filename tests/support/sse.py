"""Reading a server-sent event stream from tests: a thread parses `GET /api/stream` into
events (and comments) on a queue, until closed."""

import queue
import threading
from dataclasses import dataclass, field

import httpx


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: str = ""
    comment: str | None = None


@dataclass
class StreamReader:
    url: str
    headers: dict[str, str]
    events: "queue.Queue[Event | BaseException]" = field(default_factory=queue.Queue)
    status: int | None = None

    def __post_init__(self) -> None:
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=None))
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the stream did not answer"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                self._opened.set()
                current = Event()
                for line in response.iter_lines():
                    if not line:
                        if current.data or current.event:
                            self.events.put(current)
                        current = Event()
                    elif line.startswith(":"):
                        self.events.put(Event(comment=line[1:].strip()))
                    else:
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if name == "data":
                            current.data = (
                                value if not current.data else current.data + "\n" + value
                            )
                        elif name in ("id", "event"):
                            setattr(current, name, value)
        except BaseException as exc:  # closed by the test, or failed: either ends the reader
            self._opened.set()
            self.events.put(exc)

    def next(self, timeout: float = 10.0, *, comments: bool = False) -> Event:
        """The next event (skipping comments unless asked for)."""
        while True:
            item = self.events.get(timeout=timeout)
            if isinstance(item, BaseException):
                raise AssertionError(f"the stream ended: {item!r}")
            if comments or item.comment is None:
                return item

    def until_comment(self, text: str, timeout: float = 10.0) -> list[Event]:
        """The events before the comment `text` (`live`: the replay is over)."""
        seen: list[Event] = []
        while True:
            item = self.next(timeout, comments=True)
            if item.comment == text:
                return seen
            if item.comment is None:
                seen.append(item)

    def close(self) -> None:
        self._client.close()
        self._thread.join(timeout=5)
