"""The dev phone of the embedded default: what the console SMS sender "texted" each
number (the dev outbox) beside what "the phone" replied, one thread per number."""

import itertools
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from adapters.console.notifications import DevOutbox

THREAD_LIMIT = 200  # messages a thread shows, newest kept


@dataclass(frozen=True, slots=True)
class PhoneMessage:
    phone: str
    direction: str  # "in": the phone replied; "out": Herald texted it
    body: str
    at: datetime


class DevPhone:
    """Replies typed on the dev phone (bounded, in this process), and the threads."""

    def __init__(self, outbox: DevOutbox, capacity: int = 1000) -> None:
        self._outbox = outbox
        self._replies: deque[PhoneMessage] = deque(maxlen=capacity)
        self._sids = itertools.count(1)

    def next_sid(self) -> str:
        """A MessageSid of this process's own, as Twilio would give one."""
        return f"SMdev{next(self._sids):029d}"

    def replied(self, phone: str, body: str, at: datetime) -> None:
        self._replies.append(PhoneMessage(phone, "in", body, at))

    def threads(self) -> dict[str, list[PhoneMessage]]:
        """Every number texted or replying, each thread oldest first."""
        sent = [
            PhoneMessage(e.to, "out", e.body, e.sent_at)
            for e in self._outbox.entries()
            if e.channel == "sms"
        ]
        threads: dict[str, list[PhoneMessage]] = {}
        for m in sorted([*sent, *self._replies], key=lambda m: m.at):
            threads.setdefault(m.phone, []).append(m)
        return {phone: thread[-THREAD_LIMIT:] for phone, thread in sorted(threads.items())}
