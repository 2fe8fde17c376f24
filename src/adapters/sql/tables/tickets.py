"""The tables of tickets: the tickets, their timelines, and the counter their numbers
come from."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base


class TicketRow(Base):
    """`number` is unique and the order of every list (newest first); the partial-free
    index on (status, solved_at) is where the auto-close finds what to close."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_solved_at", "status", "solved_at"),)

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    # The customer's recipient; an erasure leaves the ticket without one.
    requester_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("recipients.id", ondelete="SET NULL"), nullable=True, index=True
    )
    assignee: Mapped[str | None] = mapped_column(String(32), nullable=True)  # a username
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    solved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class TicketEventRow(Base):
    """A ticket's timeline, read in id (time) order."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    ticket_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(32), nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    public: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    old: Mapped[str | None] = mapped_column(String(32), nullable=True)
    new: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class TicketCounterRow(Base):
    """SQLite's ticket numbers, one row (id 1): the last number given. Taking the next is
    one upsert, and SQLite has one writer, so two transactions never share a number.
    PostgreSQL takes them from the sequence `ticket_numbers` instead (migration 0025)."""

    __tablename__ = "ticket_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)
