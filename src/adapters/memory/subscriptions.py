"""In-memory SMS subscriptions: for unit tests and held to the same contract suite as
SQL; the inbound messages and the outbound texts of the fakes' unit of work."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.memory.notifications import InMemoryNotificationRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from application.ports.notifications import NewNotification
from domain.errors import Conflict
from domain.subscriptions import (
    ConversationMessage,
    Direction,
    InboundSms,
    MessageKind,
    StateChange,
    Status,
    Subscription,
)

LIVE_TAKEN = "this phone already has a live subscription to the program"
AUTO_REPLIES = frozenset(
    {MessageKind.HELP, MessageKind.REPROMPT, MessageKind.CONFIRMED, MessageKind.DECLINED}
)


class InMemorySubscriptionRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        store = store or MemoryStore()
        self._rows: dict[UUID, Subscription] = store.dict_table()
        self._changes: list[StateChange] = store.list_table()
        self._messages: list[ConversationMessage] = store.list_table()

    async def get(self, subscription_id: UUID) -> Subscription | None:
        return self._rows.get(subscription_id)

    async def live_for(self, phone: str, program: str) -> Subscription | None:
        return next(
            (
                s
                for s in self._rows.values()
                if s.phone == phone and s.program == program and s.status.is_live
            ),
            None,
        )

    async def latest_for(self, phone: str, program: str) -> Subscription | None:
        mine = [s for s in self._rows.values() if s.phone == phone and s.program == program]
        return max(mine, key=lambda s: (s.created_at, s.id), default=None)

    async def add(self, subscription: Subscription) -> None:
        if await self.live_for(subscription.phone, subscription.program) is not None:
            raise Conflict(LIVE_TAKEN)
        self._rows[subscription.id] = subscription

    async def update(self, subscription: Subscription) -> None:
        if subscription.id in self._rows:
            self._rows[subscription.id] = subscription

    async def list_after(
        self, user_id: UUID | None, after: UUID | None, limit: int
    ) -> list[Subscription]:
        found = sorted(
            (
                s
                for s in self._rows.values()
                if (user_id is None or s.user_id == user_id) and (after is None or s.id > after)
            ),
            key=lambda s: s.id,
        )
        return found[:limit]

    async def expired_pending(self, now: datetime, limit: int) -> list[Subscription]:
        found = [
            s for s in self._rows.values() if s.status is Status.PENDING and s.expires_at <= now
        ]
        return sorted(found, key=lambda s: (s.expires_at, s.id))[:limit]

    async def add_change(self, change: StateChange) -> None:
        self._changes.append(change)

    async def changes(self, subscription_id: UUID) -> list[StateChange]:
        return [c for c in self._changes if c.subscription_id == subscription_id]

    async def add_messages(self, messages: Sequence[ConversationMessage]) -> None:
        self._messages.extend(messages)

    async def messages(self, subscription_id: UUID) -> list[ConversationMessage]:
        return [m for m in self._messages if m.subscription_id == subscription_id]

    async def count_auto_replies(self, phone: str, since: datetime) -> int:
        ids = {s.id for s in self._rows.values() if s.phone == phone}
        return sum(
            1
            for m in self._messages
            if m.subscription_id in ids
            and m.direction is Direction.OUTBOUND
            and m.kind in AUTO_REPLIES
            and m.at >= since
        )


class InMemoryInboundMessages:
    """Recording commits the fakes' unit of work, as the SQL form commits its session.
    `rows` is a table of the unit of work's store (`store.dict_table()`), shared by the
    requests of one test."""

    def __init__(self, rows: dict[str, InboundSms], tx: InMemoryTransactionManager) -> None:
        self._rows = rows
        self._tx = tx

    async def record(self, message: InboundSms) -> bool:
        if message.message_sid in self._rows:
            return False
        self._rows[message.message_sid] = message
        await self._tx.commit()
        return True

    async def get(self, message_sid: str) -> InboundSms | None:
        return self._rows.get(message_sid)

    async def claim(self, message_sid: str, now: datetime) -> bool:
        found = self._rows.get(message_sid)
        if found is None or found.processed_at is not None:
            return False
        self._rows[message_sid] = replace(found, processed_at=now)
        return True

    async def unprocessed(self, received_before: datetime, most: int, limit: int) -> list[str]:
        due = sorted(
            (m for m in self._rows.values() if m.processed_at is None),
            key=lambda m: m.received_at,
        )
        picked = [m for m in due if m.received_at < received_before and m.requeues < most][:limit]
        for m in picked:
            self._rows[m.message_sid] = replace(m, requeues=m.requeues + 1)
        return [m.message_sid for m in picked]


class InMemoryOutboundTexts:
    """Into the notifications' fake, uncommitted: the caller's unit of work commits."""

    def __init__(self, notifications: InMemoryNotificationRepository) -> None:
        self._notifications = notifications

    async def add(self, items: Sequence[NewNotification]) -> None:
        for item in items:
            self._notifications.insert(item.notification, item.detail)
