"""In-memory fan-outs: for unit tests, held to the same contract suite as SQL. They read
subscriptions from the topics' fake and recipients from the recipients' fake, and write
into the notifications' fake, all on one store."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from adapters.memory.notifications import InMemoryNotificationRepository
from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.topics import InMemoryTopicRepository
from adapters.memory.transactions import MemoryStore
from application.ports.fanouts import Batch, PartClaim, Reached, TriggerKey, notification_of
from domain.errors import Conflict
from domain.fanouts import (
    CANCELED,
    REPEATED,
    Fanout,
    FanoutStatus,
    Member,
    Progress,
    Skipped,
    part_bounds,
)
from domain.notifications import Status
from domain.preferences import Channel
from domain.recipients import Recipient


@dataclass(frozen=True, slots=True)
class _Part:
    cursor: UUID | None
    done: bool
    lease_until: datetime | None
    created: int
    skipped: Skipped


class InMemoryFanoutRepository:
    def __init__(
        self,
        topics: InMemoryTopicRepository,
        recipients: InMemoryRecipientRepository,
        notifications: InMemoryNotificationRepository,
        store: MemoryStore | None = None,
    ) -> None:
        store = store or MemoryStore()
        self._topics = topics
        self._recipients = recipients
        self._notifications = notifications
        self._fanouts: dict[UUID, Fanout] = store.dict_table()
        self._keys: dict[tuple[UUID, str], tuple[UUID, str]] = store.dict_table()
        self._parts: dict[tuple[UUID, int], _Part] = store.dict_table()

    async def add(self, fanout: Fanout, key: TriggerKey | None, lease_until: datetime) -> None:
        if key is not None:
            if (fanout.caller, key.key) in self._keys:
                raise Conflict("this Idempotency-Key is in use")
            self._keys[fanout.caller, key.key] = (fanout.id, key.body_hash)
        self._fanouts[fanout.id] = fanout
        for part in range(fanout.parts):
            self._parts[fanout.id, part] = _Part(None, False, lease_until, 0, Skipped())

    async def get(self, fanout_id: UUID) -> Fanout | None:
        return self._fanouts.get(fanout_id)

    async def find_by_key(self, caller: UUID, key: str) -> tuple[Fanout, str] | None:
        found = self._keys.get((caller, key))
        return None if found is None else (self._fanouts[found[0]], found[1])

    async def list_before(self, topic: str | None, before: UUID | None, limit: int) -> list[Fanout]:
        rows = sorted(
            (
                f
                for f in self._fanouts.values()
                if (topic is None or f.topic == topic) and (before is None or f.id < before)
            ),
            key=lambda f: f.id,
            reverse=True,
        )
        return rows[:limit]

    async def progress(self, fanout_ids: Sequence[UUID]) -> dict[UUID, Progress]:
        return {f: self._progress(f) for f in fanout_ids}

    def _progress(self, fanout_id: UUID) -> Progress:
        parts = [p for (f, _), p in self._parts.items() if f == fanout_id]
        return Progress(sum(p.created for p in parts), sum((p.skipped for p in parts), Skipped()))

    async def by_status(self, fanout_id: UUID) -> dict[Status, int]:
        counts: dict[Status, int] = {}
        for n in self._notifications.made_by(fanout_id):
            counts[n.status] = counts.get(n.status, 0) + 1
        return counts

    async def audience(self, topic: str, exclude: Sequence[str]) -> int:
        left_out = set(exclude)
        subscribed = self._topics.subscriptions_of(topic)
        return sum(
            1 for r in subscribed if str(self._recipients.rows[r].external_id) not in left_out
        )

    async def cancel(self, fanout: Fanout, now: datetime) -> int:
        for pair, p in list(self._parts.items()):
            if pair[0] == fanout.id and not p.done:
                self._parts[pair] = replace(p, done=True, lease_until=None)
        self._fanouts[fanout.id] = fanout
        return self._notifications.cancel_unsent(fanout.id, now, CANCELED)

    async def claim(self, fanout_id: UUID, part: int) -> PartClaim | None:
        p = self._parts.get((fanout_id, part))
        fanout = self._fanouts.get(fanout_id)
        if p is None or p.done or fanout is None or fanout.status is not FanoutStatus.EXPANDING:
            return None
        return PartClaim(p.cursor)

    async def members(
        self, fanout: Fanout, part: int, after: UUID | None, limit: int
    ) -> list[Member]:
        low, high = part_bounds(part, fanout.parts)
        left_out = set(fanout.exclude)
        found: list[Member] = []
        subscriptions = self._topics.subscriptions_of(fanout.topic)
        for recipient_id in sorted(subscriptions):
            s = subscriptions[recipient_id]
            r = self._recipients.rows[recipient_id]
            if (
                (after is None or recipient_id > after)
                and s.created_at <= fanout.created_at
                and low <= recipient_id.bytes[15] < high
                and str(r.external_id) not in left_out
            ):
                found.append(_member(r, s.channels))
                if len(found) == limit:
                    break
        return found

    async def store_batch(
        self, fanout_id: UUID, part: int, items: Sequence[Reached], batch: Batch
    ) -> None:
        made = {(m.recipient_id, m.channel) for m in self._notifications.made_by(fanout_id)}
        for r in items:
            if (r.recipient_id, r.channel) in made:
                raise Conflict(REPEATED)
            made.add((r.recipient_id, r.channel))
            self._notifications.insert(notification_of(r, batch, fanout_id), r.detail)
        p = self._parts[fanout_id, part]
        self._parts[fanout_id, part] = _Part(
            batch.cursor,
            batch.done,
            None if batch.done else batch.lease_until,
            p.created + len(items),
            p.skipped + batch.skipped,
        )

    async def finish(self, fanout_id: UUID, now: datetime) -> bool:
        fanout = self._fanouts[fanout_id]
        undone = any(p for (f, _), p in self._parts.items() if f == fanout_id and not p.done)
        if fanout.status is not FanoutStatus.EXPANDING or undone:
            return False
        self._fanouts[fanout_id] = replace(fanout, status=FanoutStatus.EXPANDED, updated_at=now)
        return True

    async def stalled(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[tuple[UUID, int]]:
        found: list[tuple[UUID, int]] = []
        for (fanout_id, part), p in list(self._parts.items()):
            fanout = self._fanouts[fanout_id]
            late = p.lease_until is not None and p.lease_until < now
            if not p.done and late and fanout.status is FanoutStatus.EXPANDING:
                self._parts[fanout_id, part] = replace(p, lease_until=lease_until)
                found.append((fanout_id, part))
                if len(found) == limit:
                    break
        return found


def _member(r: Recipient, override: tuple[Channel, ...] | None) -> Member:
    c = r.contact
    return Member(
        recipient_id=r.id,
        external_id=str(r.external_id),
        user_id=r.user_id,
        name=c.name,
        email=None if c.email is None else str(c.email),
        phone=None if c.phone is None else str(c.phone),
        locale=None if c.locale is None else str(c.locale),
        email_on=c.channels.email,
        sms_on=c.channels.sms,
        sms_opted_out=r.sms_opted_out,
        quiet_hours=c.quiet_hours,
        timezone=c.timezone,
        override=override,
    )
