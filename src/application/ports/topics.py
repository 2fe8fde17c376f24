from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.preferences import Channel
from domain.topics import Membership, Subscriber, SubscriptionChange, Topic


class TopicRepository(Protocol):
    """Topics and their subscriptions. A subscription goes with its topic, and with its
    recipient when the recipient is erased."""

    async def get(self, key: str) -> Topic | None: ...

    async def save(self, topic: Topic) -> None:
        """Insert or replace the topic with this key; its subscriptions stay."""
        ...

    async def delete(self, key: str) -> bool:
        """The topic and its subscriptions; False when there was no such topic."""
        ...

    async def list_after(self, after: str | None, limit: int) -> list[Topic]:
        """Up to `limit` topics in key order, those after `after` (None: from the first)."""
        ...

    async def count_subscribers(self, key: str) -> int: ...

    async def subscribe(
        self,
        key: str,
        external_ids: Sequence[str],
        channels: tuple[Channel, ...] | None,
        now: datetime,
    ) -> SubscriptionChange:
        """Subscribe the recipients with these distinct ids (at most 1,000) to an existing
        topic, in one statement. One already subscribed keeps its subscription, and takes
        `channels` as its override when it is given. `count`: the subscriptions made."""
        ...

    async def unsubscribe(self, key: str, external_ids: Sequence[str]) -> SubscriptionChange:
        """Remove the subscriptions of these distinct ids. `count`: those removed."""
        ...

    async def subscribers_after(self, key: str, after: UUID | None, limit: int) -> list[Subscriber]:
        """Up to `limit` subscribers in recipient id order, after `after`."""
        ...

    async def memberships_of(
        self, external_id: str, after: str | None, limit: int
    ) -> list[Membership]:
        """Up to `limit` topics in key order after `after`: the self-service ones and
        those this recipient is subscribed to."""
        ...
