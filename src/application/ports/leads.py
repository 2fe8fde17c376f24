"""Ports of leads: the leads and their conversations, Landbot's messages as received and
the queue that hands them to a worker, the welcome emails (the notification engine's
outbox, in the caller's unit of work), and the seam to tickets."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ports.notifications import NewNotification
from domain.leads import LandbotMessage, Lead, LeadMessage


@dataclass(frozen=True, slots=True)
class LeadMatch:
    lead: Lead
    by_customer: bool  # the customer id names it already (else its email or phone matched)


class LeadRepository(Protocol):
    """Leads, the Landbot customer ids that name them, and their conversations."""

    async def get(self, lead_id: UUID) -> Lead | None: ...

    async def match(
        self, customer_id: str, email: str | None, phone: str | None
    ) -> LeadMatch | None:
        """The lead a conversation belongs to, in one read: the one this Landbot customer
        id names, else the oldest with this (normalized, lower-case) email, else the
        oldest with this E.164 phone. Two leads are never merged into one."""
        ...

    async def add(self, lead: Lead) -> None:
        """Conflict when another lead has its recipient."""
        ...

    async def update(self, lead: Lead) -> None: ...

    async def link(self, customer_id: str, lead_id: UUID, at: datetime) -> None:
        """Name the lead by this customer id too; a customer id already linked stays
        with its lead."""
        ...

    async def customers(self, lead_id: UUID) -> list[str]:
        """The lead's Landbot customer ids, in the order they were linked."""
        ...

    async def search(self, q: str | None, *, after: UUID | None, limit: int) -> list[Lead]:
        """Up to `limit` leads in the order they were made, after the one with id
        `after`; with `q`, those whose name (any case), email (any case) or phone starts
        with it."""
        ...

    async def add_message(self, message: LeadMessage) -> bool:
        """Add to the lead's conversation; False, adding nothing, when a message with
        this key is there already."""
        ...

    async def messages(self, lead_id: UUID) -> list[LeadMessage]:
        """The conversation in the order the messages were sent (then stored)."""
        ...


class LandbotInbox(Protocol):
    """Landbot's messages, stored before any work is done on them."""

    async def record(self, messages: Sequence[LandbotMessage]) -> list[str]:
        """Store the messages, durably when this returns; the keys of those that were
        new (a key stored already, a redelivery, stores nothing). Commits itself."""
        ...

    async def get(self, key: str) -> LandbotMessage | None: ...

    async def unprocessed(self, received_before: datetime, limit: int) -> list[str]:
        """The keys of up to `limit` messages received before `received_before` and not
        processed yet, the oldest first."""
        ...

    async def forget_processed(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` messages processed before `before` (what they said is
        in the leads' conversations), in the caller's unit of work; how many."""
        ...

    async def claim(self, key: str, now: datetime) -> bool:
        """Mark the message processed at `now`, in the caller's unit of work; False when
        it was processed already (or is unknown), so that a task run twice acts once."""
        ...


class LeadQueue(Protocol):
    """Hands a stored Landbot message to a worker."""

    async def enqueue(self, key: str) -> None: ...


class WelcomeEmails(Protocol):
    """Welcome emails as notifications of the delivery engine, written in the caller's
    unit of work: a lead and its welcome are committed together."""

    async def add(self, items: Sequence[NewNotification]) -> None: ...


@dataclass(frozen=True, slots=True)
class LeadTicket:
    """A ticket of a lead's, as the lead's page lists it."""

    number: int
    subject: str
    status: str
    created_at: datetime


class TicketIntake(Protocol):
    """The tickets capability, as leads need it; both calls work in the caller's unit
    of work, which commits."""

    async def open_for_lead(self, lead: Lead, topic: str, subject: str, body: str) -> UUID:
        """Open a ticket the lead requested on `topic` (the lead as the caller's unit of
        work has it); its id. InvalidValue for a topic tickets do not have."""
        ...

    async def comment_from_lead(self, lead_id: UUID, body: str, at: datetime) -> bool:
        """Add the customer's message as a public comment to the lead's open or pending
        ticket (a pending one opens again); False when the lead has none."""
        ...

    async def of_lead(self, lead_id: UUID, limit: int) -> list[LeadTicket]:
        """Up to `limit` of the lead's tickets, newest first."""
        ...
