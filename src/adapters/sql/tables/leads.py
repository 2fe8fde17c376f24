"""The tables of leads: the leads (each with its recipient), the Landbot customer ids
that name them, their conversations, and Landbot's messages as received."""

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base

_PATTERN = "varchar_pattern_ops"
_UNPROCESSED = text("processed_at IS NULL")


class LeadRow(Base):
    __tablename__ = "leads"
    # The deduplication's lookups and the prefix search (LIKE 'q%' on PostgreSQL).
    __table_args__ = (
        Index("ix_leads_email", "email", postgresql_ops={"email": _PATTERN}),
        Index("ix_leads_phone", "phone", postgresql_ops={"phone": _PATTERN}),
        Index("ix_leads_name_key", "name_key", postgresql_ops={"name_key": _PATTERN}),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    # A lead goes with its recipient (an erasure takes both).
    recipient_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("recipients.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name_key: Mapped[str | None] = mapped_column(String(200), nullable=True)  # case-folded
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # lower case
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JsonB)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    seen_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    welcome_notification_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)


class LeadCustomerRow(Base):
    """A Landbot customer id names one lead."""

    __tablename__ = "lead_customers"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class LeadMessageRow(Base):
    """A lead's conversation; `seq` keeps the order of messages of the same instant."""

    __tablename__ = "lead_messages"
    __table_args__ = (Index("ix_lead_messages_lead_id_at_seq", "lead_id", "at", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    lead_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("leads.id", ondelete="CASCADE"))
    sender_type: Mapped[str] = mapped_column(String(32))
    sender_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    on_ticket: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]] = mapped_column(JsonB)


class LandbotMessageRow(Base):
    """A MessageHooks message as Landbot sent it, stored before any work on it."""

    __tablename__ = "landbot_messages"
    # The sweep's: messages not processed yet, by when they came.
    __table_args__ = (
        Index(
            "ix_landbot_messages_unprocessed",
            "received_at",
            postgresql_where=_UNPROCESSED,
            sqlite_where=_UNPROCESSED,
        ),
    )

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    customer: Mapped[dict[str, Any]] = mapped_column(JsonB)
    sender_type: Mapped[str] = mapped_column(String(32))
    sender_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonB)
    channel: Mapped[dict[str, Any]] = mapped_column(JsonB)
    sent_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    processed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)
