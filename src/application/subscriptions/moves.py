"""The moves every way into or out of `active` shares, whoever asks for them (the API,
a reply, a keyword): the updates scheduled on confirmation and canceled when the
subscription ends, and the state change recorded."""

from datetime import datetime

from application.ports.notifications import NotificationRepository
from application.ports.subscriptions import SubscriptionRepository
from application.subscriptions.config import SubscriptionRules
from application.subscriptions.texts import SubscriptionTexts
from domain.recipients import Recipient
from domain.subscriptions import Direction, MessageKind, Status, Subscription


class SubscriptionMoves:
    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        notifications: NotificationRepository,
        texts: SubscriptionTexts,
        rules: SubscriptionRules,
    ) -> None:
        self._subscriptions = subscriptions
        self._notifications = notifications
        self._texts = texts
        self._rules = rules

    async def move(
        self, s: Subscription, target: Status, now: datetime, reason: str
    ) -> Subscription:
        """Move `s` (Conflict when the state machine forbids it) and record the change."""
        moved, change = s.move(target, now, reason)
        await self._subscriptions.update(moved)
        await self._subscriptions.add_change(change)
        return moved

    async def activate(
        self, s: Subscription, recipient: Recipient | None, now: datetime, reason: str
    ) -> Subscription:
        """`active`, with its updates scheduled at the offsets from now."""
        active = await self.move(s, Status.ACTIVE, now, reason)
        count = len(self._rules.update_offsets)
        for number, offset in enumerate(self._rules.update_offsets, start=1):
            await self._texts.send(
                active,
                recipient,
                MessageKind.UPDATE,
                now,
                due=now + offset,
                data={"number": number, "count": count},
            )
        return active

    async def end(
        self, s: Subscription, target: Status, now: datetime, reason: str
    ) -> Subscription:
        """Out of pending or active: the updates not yet sent are canceled."""
        ended = await self.move(s, target, now, reason)
        for m in await self._subscriptions.messages(s.id):
            if m.direction is Direction.OUTBOUND and m.kind is MessageKind.UPDATE:
                assert m.notification_id is not None  # every outbound message has one
                # False for one sent already (or in flight): only unsent work is canceled.
                await self._notifications.cancel(m.notification_id, now)
        return ended
