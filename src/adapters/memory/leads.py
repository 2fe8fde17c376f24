"""In-memory leads: for unit tests, held to the same contract suite as SQL; Landbot's
messages and the welcome emails of the fakes' unit of work; and `RecordingTicketIntake`,
the seam to tickets until that capability binds its own (wired by default for now)."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

from adapters.memory.notifications import InMemoryNotificationRepository
from adapters.memory.transactions import InMemoryTransactionManager, MemoryStore
from application.ports.leads import LeadMatch, LeadTicket
from application.ports.notifications import NewNotification
from domain.errors import Conflict
from domain.ids import new_id
from domain.leads import LandbotMessage, Lead, LeadMessage

RECIPIENT_TAKEN = "this recipient is another lead's already"


def _matches(lead: Lead, q: str) -> bool:
    return (
        (lead.name is not None and lead.name.casefold().startswith(q.casefold()))
        or (lead.email is not None and lead.email.startswith(q.lower()))
        or (lead.phone is not None and lead.phone.startswith(q))
    )


class InMemoryLeadRepository:
    def __init__(self, store: MemoryStore | None = None) -> None:
        store = store or MemoryStore()
        self._rows: dict[UUID, Lead] = store.dict_table()
        self._customers: dict[str, tuple[UUID, datetime]] = store.dict_table()
        self._messages: dict[str, LeadMessage] = store.dict_table()

    def _oldest(self, found: list[Lead]) -> Lead | None:
        return min(found, key=lambda lead: (lead.created_at, lead.id), default=None)

    async def get(self, lead_id: UUID) -> Lead | None:
        return self._rows.get(lead_id)

    async def match(
        self, customer_id: str, email: str | None, phone: str | None
    ) -> LeadMatch | None:
        linked = self._customers.get(customer_id)
        if linked is not None and linked[0] in self._rows:
            return LeadMatch(self._rows[linked[0]], by_customer=True)
        rows = self._rows.values()
        found = None if email is None else self._oldest([r for r in rows if r.email == email])
        if found is None and phone is not None:
            found = self._oldest([r for r in rows if r.phone == phone])
        return None if found is None else LeadMatch(found, by_customer=False)

    async def add(self, lead: Lead) -> None:
        if any(r.recipient_id == lead.recipient_id for r in self._rows.values()):
            raise Conflict(RECIPIENT_TAKEN)
        self._rows[lead.id] = lead

    async def update(self, lead: Lead) -> None:
        if lead.id in self._rows:
            self._rows[lead.id] = replace(lead, created_at=self._rows[lead.id].created_at)

    async def link(self, customer_id: str, lead_id: UUID, at: datetime) -> None:
        self._customers.setdefault(customer_id, (lead_id, at))

    async def customers(self, lead_id: UUID) -> list[str]:
        mine = [(at, c) for c, (lead, at) in self._customers.items() if lead == lead_id]
        return [c for _, c in sorted(mine)]

    async def search(self, q: str | None, *, after: UUID | None, limit: int) -> list[Lead]:
        found = sorted(
            (
                r
                for r in self._rows.values()
                if (after is None or r.id > after) and (not q or _matches(r, q))
            ),
            key=lambda r: r.id,
        )
        return found[:limit]

    async def add_message(self, message: LeadMessage) -> bool:
        if message.key in self._messages:
            return False
        self._messages[message.key] = message
        return True

    async def messages(self, lead_id: UUID) -> list[LeadMessage]:
        # Insertion order breaks ties of the same instant, as `seq` does in SQL.
        mine = [m for m in self._messages.values() if m.lead_id == lead_id]
        return sorted(mine, key=lambda m: m.at)


class InMemoryLandbotInbox:
    """Recording commits the fakes' unit of work, as the SQL form commits its session.
    `rows` is a table of the unit of work's store (`store.dict_table()`)."""

    def __init__(self, rows: dict[str, LandbotMessage], tx: InMemoryTransactionManager) -> None:
        self._rows = rows
        self._tx = tx

    async def record(self, messages: Sequence[LandbotMessage]) -> list[str]:
        new: list[str] = []
        for m in messages:
            if m.key not in self._rows:
                self._rows[m.key] = m
                new.append(m.key)
        await self._tx.commit()
        return new

    async def get(self, key: str) -> LandbotMessage | None:
        return self._rows.get(key)

    async def unprocessed(self, received_before: datetime, limit: int) -> list[str]:
        waiting = [
            m
            for m in self._rows.values()
            if m.processed_at is None and m.received_at < received_before
        ]
        return [m.key for m in sorted(waiting, key=lambda m: (m.received_at, m.key))][:limit]

    async def forget_processed(self, before: datetime, limit: int) -> int:
        done = sorted(
            (
                m
                for m in self._rows.values()
                if m.processed_at is not None and m.processed_at < before
            ),
            key=lambda m: m.processed_at or before,
        )[:limit]
        for m in done:
            del self._rows[m.key]
        return len(done)

    async def claim(self, key: str, now: datetime) -> bool:
        found = self._rows.get(key)
        if found is None or found.processed_at is not None:
            return False
        self._rows[key] = replace(found, processed_at=now)
        return True


class InMemoryWelcomeEmails:
    """Into the notifications' fake, uncommitted: the caller's unit of work commits."""

    def __init__(self, notifications: InMemoryNotificationRepository) -> None:
        self._notifications = notifications

    async def add(self, items: Sequence[NewNotification]) -> None:
        for item in items:
            self._notifications.insert(item.notification, item.detail)


@dataclass(frozen=True, slots=True)
class OpenedTicket:
    id: UUID
    number: int
    lead_id: UUID
    topic: str
    subject: str
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LeadComment:
    lead_id: UUID
    body: str
    at: datetime


class RecordingTicketIntake:
    """`TicketIntake` of the leads' use-case tests: records what it is asked (one per
    process, so a test reads what every request asked). A lead it opened a ticket for has one
    open: a later message from the customer is recorded as a comment on it."""

    def __init__(self) -> None:
        self.opened: list[OpenedTicket] = []
        self.comments: list[LeadComment] = []

    async def open_for_lead(self, lead: Lead, topic: str, subject: str, body: str) -> UUID:
        number = len(self.opened) + 1
        ticket = OpenedTicket(new_id(), number, lead.id, topic, subject, body, datetime.now(UTC))
        self.opened.append(ticket)
        return ticket.id

    async def comment_from_lead(self, lead_id: UUID, body: str, at: datetime) -> bool:
        if not any(t.lead_id == lead_id for t in self.opened):
            return False
        self.comments.append(LeadComment(lead_id, body, at))
        return True

    async def of_lead(self, lead_id: UUID, limit: int) -> list[LeadTicket]:
        mine = [t for t in reversed(self.opened) if t.lead_id == lead_id][:limit]
        return [LeadTicket(t.number, t.subject, "new", t.at) for t in mine]
