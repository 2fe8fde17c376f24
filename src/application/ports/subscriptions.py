"""Ports of SMS subscriptions: the subscriptions and their conversations, the inbound
messages as received, the texts Herald sends (through the notification engine's outbox,
in the caller's unit of work), and the intent classifier."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ports.notifications import NewNotification
from domain.subscriptions import ConversationMessage, InboundSms, Intent, StateChange, Subscription


class SubscriptionRepository(Protocol):
    """Subscriptions, their state changes and their messages. A phone has at most one
    live (pending or active) subscription per program."""

    async def get(self, subscription_id: UUID) -> Subscription | None: ...

    async def live_for(self, phone: str, program: str) -> Subscription | None:
        """The phone's pending or active subscription to the program."""
        ...

    async def latest_for(self, phone: str, program: str) -> Subscription | None:
        """The phone's newest subscription to the program, whatever its status."""
        ...

    async def add(self, subscription: Subscription) -> None:
        """Raises Conflict, storing nothing, when the phone already has a live one."""
        ...

    async def update(self, subscription: Subscription) -> None: ...

    async def list_after(
        self, user_id: UUID | None, after: UUID | None, limit: int
    ) -> list[Subscription]:
        """Up to `limit` subscriptions in id (creation) order after `after`; those the
        user made, or every one for None."""
        ...

    async def expired_pending(self, now: datetime, limit: int) -> list[Subscription]:
        """Up to `limit` pending subscriptions whose time to confirm ended by `now`,
        the longest expired first."""
        ...

    async def add_change(self, change: StateChange) -> None: ...

    async def changes(self, subscription_id: UUID) -> list[StateChange]:
        """Oldest first."""
        ...

    async def add_messages(self, messages: Sequence[ConversationMessage]) -> None:
        """In the order given, which is the conversation's."""
        ...

    async def messages(self, subscription_id: UUID) -> list[ConversationMessage]:
        """Oldest first."""
        ...

    async def count_auto_replies(self, phone: str, since: datetime) -> int:
        """Outbound messages that answered this phone's replies (not the confirmation Herald
        sends on a subscribe, nor updates) since `since`, over all its subscriptions."""
        ...


class InboundMessages(Protocol):
    """Messages phones sent, stored before any reply is thought of."""

    async def record(self, message: InboundSms) -> bool:
        """Store `message`, durably when this returns; False, storing nothing, when its
        MessageSid is stored already (a provider's retry). Commits itself."""
        ...

    async def get(self, message_sid: str) -> InboundSms | None: ...

    async def claim(self, message_sid: str, now: datetime) -> bool:
        """Mark the message processed at `now`, in the caller's unit of work; False when
        it was processed already (or is unknown), so that a task run twice acts once."""
        ...

    async def unprocessed(self, received_before: datetime, most: int, limit: int) -> list[str]:
        """Up to `limit` MessageSids, oldest first, of messages received before
        `received_before`, not processed, and handed over again fewer than `most` times;
        each is counted as handed over once more, in the caller's unit of work."""
        ...


class InboundQueue(Protocol):
    """Hands a stored inbound message to a worker, which classifies it and acts."""

    async def enqueue(self, message_sid: str) -> None: ...


class OutboundTexts(Protocol):
    """Texts to phones, as notifications of the delivery engine (status, retries,
    history), written in the caller's unit of work so that a text and the state change
    that caused it are committed together."""

    async def add(self, items: Sequence[NewNotification]) -> None: ...


@dataclass(frozen=True, slots=True)
class Classification:
    """What a classifier understood: the intent, its confidence (0 to 1), every intent it
    weighed with its confidence (best first), and which classifier answered."""

    intent: Intent
    confidence: float
    classifier: str
    ranking: tuple[tuple[Intent, float], ...] = field(default=())


class IntentClassifier(Protocol):
    async def classify(self, text: str) -> Classification:
        """Never raises for what a user can send: unknown text is `other`."""
        ...


class FallbackMetrics(Protocol):
    def classifier_fell_back(self, reason: str) -> None:
        """The remote classifier failed (`timeout`, `unavailable`, `unauthorized`,
        `bad_answer`) and the local one answered."""
        ...
