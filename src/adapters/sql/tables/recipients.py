"""The table of recipients: one row per person Herald notifies."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, String, column, func
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base

_PATTERN = "varchar_pattern_ops"


class RecipientRow(Base):
    __tablename__ = "recipients"
    # What the prefix search (LIKE 'q%' on PostgreSQL) can use under any collation; see
    # migration 0014. The pattern operator classes also serve `=`.
    __table_args__ = (
        Index("ix_recipients_name_key_prefix", "name_key", postgresql_ops={"name_key": _PATTERN}),
        Index("ix_recipients_phone_prefix", "phone", postgresql_ops={"phone": _PATTERN}),
        Index(
            "ix_recipients_external_id_prefix",
            "external_id",
            postgresql_ops={"external_id": _PATTERN},
        ),
        Index(
            "ix_recipients_email_prefix",
            func.lower(column("email")).label("email_lower"),
            postgresql_ops={"email_lower": "text_pattern_ops"},
        ),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    # NULL for recipients without an account; unique lets many NULLs through.
    user_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=True
    )
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The name case-folded in Python, the same on both databases: what search compares.
    name_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email_on: Mapped[bool] = mapped_column(Boolean)
    sms_on: Mapped[bool] = mapped_column(Boolean)
    sms_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # A lookup vouched for the phone (see domain.recipients.Recipient.phone_verified).
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)  # HH:MM
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)
