from collections.abc import Sequence
from dataclasses import dataclass

from application.ports.leads import LandbotInbox, LeadQueue
from domain.leads import LandbotMessage


@dataclass(frozen=True, slots=True)
class Received:
    stored: int  # new messages
    repeated: int  # delivered before (Landbot's retries)


class ReceiveLandbotMessages:
    """Take a MessageHooks delivery: store its messages durably, once per key (Landbot's
    message id, else a digest of customer id, timestamp and body), and hand each new one
    to a worker; nothing slow happens here, so Landbot gets its answer at once. A
    message delivered again while it was stored but not yet processed is handed over
    again (the worker acts once: `LandbotInbox.claim`)."""

    def __init__(self, inbox: LandbotInbox, queue: LeadQueue) -> None:
        self._inbox = inbox
        self._queue = queue

    async def __call__(self, messages: Sequence[LandbotMessage]) -> Received:
        unique = list({m.key: m for m in messages}.values())
        new = await self._inbox.record(unique)
        fresh = set(new)
        handover = list(new)
        for m in unique:
            if m.key not in fresh:
                stored = await self._inbox.get(m.key)
                if stored is not None and stored.processed_at is None:
                    handover.append(m.key)
        for key in handover:
            await self._queue.enqueue(key)
        return Received(len(new), len(messages) - len(new))
