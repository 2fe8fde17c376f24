from dataclasses import dataclass
from uuid import UUID

from application.policy import Caller, open_subscription
from application.ports.notifications import NotificationRepository
from application.ports.subscriptions import SubscriptionRepository
from domain.notifications import Status as NotificationStatus
from domain.subscriptions import ConversationMessage, StateChange, Subscription


@dataclass(frozen=True, slots=True)
class Conversation:
    """A subscription with everything said and done: each message (an outbound one with
    its notification's status now) in the order of its time (an update scheduled ahead
    at the time it is due), and each state change, oldest first."""

    subscription: Subscription
    messages: list[tuple[ConversationMessage, NotificationStatus | None]]
    changes: list[StateChange]


class GetSubscription:
    """A subscription and its conversation, for the user who made it, admins, and keys
    with subscriptions:write; NotFound for anyone else."""

    def __init__(
        self, subscriptions: SubscriptionRepository, notifications: NotificationRepository
    ) -> None:
        self._subscriptions = subscriptions
        self._notifications = notifications

    async def __call__(self, requester: Caller, subscription_id: UUID) -> Conversation:
        found = await self._subscriptions.get(subscription_id)
        s = open_subscription(requester, found, subscription_id)
        # Stable: messages of the same instant keep the order they were stored in.
        messages = sorted(await self._subscriptions.messages(s.id), key=lambda m: m.at)
        ids = [m.notification_id for m in messages if m.notification_id is not None]
        histories = await self._notifications.histories(ids)
        with_status: list[tuple[ConversationMessage, NotificationStatus | None]] = []
        for m in messages:
            events = histories.get(m.notification_id) if m.notification_id else None
            with_status.append((m, events[-1].status if events else None))
        return Conversation(s, with_status, await self._subscriptions.changes(s.id))
