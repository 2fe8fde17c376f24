"""In-memory tickets, held to the same contract suite as SQL; and a scripted Landbot
messenger and outbox for the use-case tests. An erased recipient's tickets lose their
requester, as the SQL foreign key's SET NULL does."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.memory.recipients import InMemoryRecipientRepository
from adapters.memory.transactions import MemoryStore
from application.ports.tickets import LandbotError, LandbotRejected, LandbotUnavailable
from domain.tickets import Ticket, TicketEvent, TicketFilter, TicketStatus

_ACTIVE = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class InMemoryTicketRepository:
    def __init__(
        self, recipients: InMemoryRecipientRepository, store: MemoryStore | None = None
    ) -> None:
        store = store or MemoryStore()
        self._recipients = recipients
        self._tickets: dict[int, Ticket] = store.dict_table()
        self._events: list[TicketEvent] = store.list_table()
        self._counter: dict[str, int] = store.dict_table()

    async def next_number(self) -> int:
        self._counter["last"] = self._counter.get("last", 0) + 1
        return self._counter["last"]

    async def add(self, ticket: Ticket) -> None:
        self._tickets[ticket.number] = ticket

    async def update(self, ticket: Ticket, seen: datetime) -> bool:
        current = self._tickets.get(ticket.number)
        if current is None or current.updated_at != seen:
            return False
        self._tickets[ticket.number] = replace(
            current,
            status=ticket.status,
            priority=ticket.priority,
            assignee=ticket.assignee,
            updated_at=ticket.updated_at,
            solved_at=ticket.solved_at,
        )
        return True

    async def get(self, number: int) -> Ticket | None:
        found = self._tickets.get(number)
        return None if found is None else await self._present(found)

    async def latest_active_of(self, requester_id: UUID) -> Ticket | None:
        for number in sorted(self._tickets, reverse=True):
            ticket = await self._present(self._tickets[number])
            if ticket.requester_id == requester_id and ticket.status in _ACTIVE:
                return ticket
        return None

    async def find(self, where: TicketFilter, before: int | None, limit: int) -> list[Ticket]:
        found: list[Ticket] = []
        for number in sorted(self._tickets, reverse=True):
            t = self._tickets[number]
            if before is not None and number >= before:
                continue
            if (
                (where.status is None or t.status is where.status)
                and (where.topic is None or t.topic == where.topic)
                and (where.assignee is None or t.assignee == where.assignee)
                and (where.priority is None or t.priority is where.priority)
                and (where.requester_id is None or t.requester_id == where.requester_id)
            ):
                found.append(await self._present(t))
            if len(found) == limit:
                break
        return found

    async def solved_before(self, cutoff: datetime, limit: int) -> list[Ticket]:
        solved = [
            t
            for t in self._tickets.values()
            if t.status is TicketStatus.SOLVED and t.solved_at is not None and t.solved_at < cutoff
        ]
        solved.sort(key=lambda t: (t.solved_at, t.number))
        return [await self._present(t) for t in solved[:limit]]

    async def add_event(self, event: TicketEvent) -> None:
        self._events.append(event)

    async def events(self, ticket_id: UUID) -> list[TicketEvent]:
        return sorted((e for e in self._events if e.ticket_id == ticket_id), key=lambda e: e.id)

    async def _present(self, ticket: Ticket) -> Ticket:
        if ticket.requester_id is None:
            return ticket
        if await self._recipients.get_by_id(ticket.requester_id) is None:
            return replace(ticket, requester_id=None)
        return ticket


class FakeLandbotMessenger:
    """Records each text. `script(customer_id, answer)` makes the next send to that
    customer fail as Landbot's answer would through the real adapter: an HTTP status
    (401, 404, 429, 503, ...; `retry_after` for a 429's header) or "timeout"."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self._scripts: dict[str, list[tuple[int | str, float | None]]] = {}

    def script(self, customer_id: str, answer: int | str, retry_after: float | None = None) -> None:
        self._scripts.setdefault(customer_id, []).append((answer, retry_after))

    async def send_text(self, customer_id: str, text: str) -> None:
        if queue := self._scripts.get(customer_id):
            answer, retry_after = queue.pop(0)
            raise _failure(answer, retry_after)
        self.sent.append((customer_id, text))


def _failure(answer: int | str, retry_after: float | None) -> LandbotError:
    if not isinstance(answer, int):
        return LandbotUnavailable(f"Landbot {answer}")
    if answer in (408, 429) or answer >= 500:
        return LandbotUnavailable(f"Landbot answered {answer}", answer, retry_after)
    return LandbotRejected(f"Landbot answered {answer}", answer)


class RecordingLandbotOutbox:
    """The outbox of the use-case tests: what would have gone to the task."""

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = enabled
        self.queued: list[tuple[str, str]] = []

    @property
    def enabled(self) -> bool:
        return self._enabled

    async def send_text(self, customer_id: str, text: str) -> None:
        if self._enabled:
            self.queued.append((customer_id, text))
