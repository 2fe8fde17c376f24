"""In-memory topics: for unit tests, held to the same contract suite as SQL. Subscriptions
point at the recipients' fake by id; one whose recipient is gone is no longer there, as the
SQL foreign key's cascade removes it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.transactions import MemoryStore
from domain.preferences import Channel
from domain.recipients import ExternalId
from domain.topics import Membership, Subscriber, SubscriptionChange, Topic


@dataclass(frozen=True, slots=True)
class Subscription:
    channels: tuple[Channel, ...] | None
    created_at: datetime


class InMemoryTopicRepository:
    def __init__(
        self, recipients: InMemoryRecipientRepository, store: MemoryStore | None = None
    ) -> None:
        store = store or MemoryStore()
        self._recipients = recipients
        self._topics: dict[str, Topic] = store.dict_table()
        self._subscriptions: dict[tuple[str, UUID], Subscription] = store.dict_table()

    async def get(self, key: str) -> Topic | None:
        return self._topics.get(key)

    async def save(self, topic: Topic) -> None:
        self._topics[topic.key] = topic

    async def delete(self, key: str) -> bool:
        for pair in [pair for pair in self._subscriptions if pair[0] == key]:
            del self._subscriptions[pair]
        return self._topics.pop(key, None) is not None

    async def list_after(self, after: str | None, limit: int) -> list[Topic]:
        keys = sorted(k for k in self._topics if after is None or k > after)
        return [self._topics[k] for k in keys[:limit]]

    async def count_subscribers(self, key: str) -> int:
        return len(self.subscriptions_of(key))

    async def subscribe(
        self,
        key: str,
        external_ids: Sequence[str],
        channels: tuple[Channel, ...] | None,
        now: datetime,
    ) -> SubscriptionChange:
        known, unknown = await self._resolve(external_ids)
        added = 0
        for recipient_id in known:
            kept = self._subscriptions.get((key, recipient_id))
            if kept is None:
                added += 1
                self._subscriptions[key, recipient_id] = Subscription(channels, now)
            elif channels is not None:
                self._subscriptions[key, recipient_id] = Subscription(channels, kept.created_at)
        return SubscriptionChange(added, unknown)

    async def unsubscribe(self, key: str, external_ids: Sequence[str]) -> SubscriptionChange:
        known, unknown = await self._resolve(external_ids)
        removed = sum(self._subscriptions.pop((key, r), None) is not None for r in known)
        return SubscriptionChange(removed, unknown)

    async def subscribers_after(self, key: str, after: UUID | None, limit: int) -> list[Subscriber]:
        rows = self.subscriptions_of(key)
        ids = sorted(r for r in rows if after is None or r > after)[:limit]
        return [
            Subscriber(
                r,
                self._recipients.rows[r].external_id.value,
                rows[r].channels,
                rows[r].created_at,
            )
            for r in ids
        ]

    async def memberships_of(
        self, external_id: str, after: str | None, limit: int
    ) -> list[Membership]:
        me = await self._recipients.get(ExternalId(external_id))
        found = []
        for key in sorted(k for k in self._topics if after is None or k > after):
            mine = None if me is None else self._subscriptions.get((key, me.id))
            if mine is not None or self._topics[key].self_service:
                channels = None if mine is None else mine.channels
                found.append(Membership(self._topics[key], mine is not None, channels))
        return found[:limit]

    def subscriptions_of(self, key: str) -> dict[UUID, Subscription]:
        """The topic's subscriptions by recipient id (for the fan-outs' fake)."""
        alive = self._recipients.rows
        return {r: s for (k, r), s in self._subscriptions.items() if k == key and r in alive}

    async def _resolve(self, external_ids: Sequence[str]) -> tuple[list[UUID], list[str]]:
        found = await self._recipients.get_many([ExternalId(e) for e in external_ids])
        known = [found[ExternalId(e)].id for e in external_ids if ExternalId(e) in found]
        return known, [e for e in external_ids if ExternalId(e) not in found]
