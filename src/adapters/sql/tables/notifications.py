"""The tables of notifications (the notification row is its own schedule: status
`scheduled` + `due_at`), their history, idempotency keys and provider events."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # Partial where most rows are empty (a key's sends have no user and no creator;
        # nothing has a provider message id until it is sent): lookups ask for a value.
        Index(
            "ix_notifications_user_id_id",
            "user_id",
            "id",
            postgresql_where=text("user_id IS NOT NULL"),
            sqlite_where=text("user_id IS NOT NULL"),
        ),
        Index(
            "ix_notifications_created_by_id",
            "created_by",
            "id",
            postgresql_where=text("created_by IS NOT NULL"),
            sqlite_where=text("created_by IS NOT NULL"),
        ),
        Index(
            "ix_notifications_provider_message_id",
            "provider_message_id",
            postgresql_where=text("provider_message_id IS NOT NULL"),
            sqlite_where=text("provider_message_id IS NOT NULL"),
        ),
        Index("ix_notifications_recipient_id_id", "recipient_id", "id"),
        # A fan-out makes one notification per recipient and channel, never two; the
        # index also serves a fan-out's counts by status and its cancellation.
        Index(
            "ux_notifications_fanout",
            "fanout_id",
            "recipient_id",
            "channel",
            unique=True,
            postgresql_where=text("fanout_id IS NOT NULL"),
            sqlite_where=text("fanout_id IS NOT NULL"),
        ),
        Index("ix_notifications_group_id", "group_id"),
        # Small partial indexes: the scheduler only ever looks at these rows.
        Index(
            "ix_notifications_due",
            "due_at",
            postgresql_where=text("status = 'scheduled'"),
            sqlite_where=text("status = 'scheduled'"),
        ),
        Index(
            "ix_notifications_lease",
            "lease_until",
            postgresql_where=text("status IN ('queued', 'sending')"),
            sqlite_where=text("status IN ('queued', 'sending')"),
        ),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    user_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    created_by: Mapped[UUID | None] = mapped_column(
        GUID,
        ForeignKey("users.id", ondelete="CASCADE", name="fk_notifications_created_by_users"),
        nullable=True,  # an API key made it
    )
    # No foreign key: an erased recipient's redacted history keeps the id it went to.
    recipient_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    group_id: Mapped[UUID] = mapped_column(GUID)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
    # No foreign key: a fan-out inserts 100,000 rows at a time, and fan-outs are never
    # deleted, so the check would cost without protecting anything.
    fanout_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    sendtime: Mapped[datetime] = mapped_column(DateTimeUTC)
    due_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    provider: Mapped[str | None] = mapped_column(String(16), nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class NotificationEventRow(Base):
    __tablename__ = "notification_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)


class IdempotencyKeyRow(Base):
    __tablename__ = "notification_idempotency_keys"

    # The caller: a user's id or an API key's id, so no foreign key.
    user_id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    skipped: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON [[channel, reason]]
    notification_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("notifications.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class ProviderEventRow(Base):
    __tablename__ = "provider_events"

    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)
