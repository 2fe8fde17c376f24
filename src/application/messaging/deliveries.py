from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from application.ports.clock import Clock
from application.ports.messaging import MessageRepository, RenderedPage
from application.ports.transactions import TransactionManager
from domain.messaging import Message, Receipt


class Deliveries:
    """A message is delivered to a member when a fetch of theirs (or their live stream)
    reaches it: records that for the viewer's copies not yet delivered, and commits.
    A page whose copies all were delivered writes nothing."""

    def __init__(self, messages: MessageRepository, clock: Clock, tx: TransactionManager) -> None:
        self._messages = messages
        self._clock = clock
        self._tx = tx

    async def streamed(self, viewer: UUID, message_ids: Sequence[UUID]) -> None:
        """Messages the viewer's live stream just sent them: delivered now."""
        await self._messages.mark_delivered(viewer, message_ids, self._clock.now())
        await self._tx.commit()

    async def rendered(self, viewer: UUID, page: RenderedPage, now: datetime) -> RenderedPage:
        """A page the store rendered at `now`, its undelivered copies shown delivered then."""
        if page.undelivered:
            await self._messages.mark_delivered(viewer, page.undelivered, now)
            await self._tx.commit()
        return page

    async def reached(self, viewer: UUID, messages: Sequence[Message]) -> list[Message]:
        """`messages` as they are now: the viewer's copies delivered."""
        waiting = [
            m.id
            for m in messages
            if (mine := m.receipt_of(viewer)) is not None and mine.delivered_at is None
        ]
        if not waiting:
            return list(messages)
        now = self._clock.now()
        await self._messages.mark_delivered(viewer, waiting, now)
        await self._tx.commit()
        return [_delivered(m, viewer, now) if m.id in waiting else m for m in messages]


def _delivered(message: Message, viewer: UUID, now: datetime) -> Message:
    copies = tuple(
        Receipt(r.user_id, now, r.read_at) if r.user_id == viewer else r for r in message.receipts
    )
    return replace(message, receipts=copies)
