"""The tables of SMS subscriptions: the subscriptions, their state changes and messages
(the conversation), and the inbound messages as Twilio sent them."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base

# Constants, not parameters: an ON CONFLICT naming this index's predicate
# (`SqlSubscriptionRepository.add`) must say it in the statement's text. With bound
# parameters, PostgreSQL infers the index only in custom plans, and the generic plan it
# tries at a prepared statement's sixth run fails with "no unique or exclusion
# constraint matching the ON CONFLICT specification".
LIVE = text("status IN ('pending', 'active')")
_PENDING = text("status = 'pending'")


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        # A phone's one live subscription per program, kept by the database.
        Index(
            "uq_subscriptions_live_phone_program",
            "phone",
            "program",
            unique=True,
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        ),
        Index("ix_subscriptions_phone_program_id", "phone", "program", "id"),
        Index("ix_subscriptions_user_id_id", "user_id", "id"),
        # The expiry sweep's: pending ones only, by when their time to confirm ends.
        Index(
            "ix_subscriptions_pending_expires_at",
            "expires_at",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    program: Mapped[str] = mapped_column(String(100))
    recipient_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("recipients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    confirmation_sent_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class SubscriptionChangeRow(Base):
    """`seq` keeps the order of changes made in the same instant."""

    __tablename__ = "subscription_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    reason: Mapped[str] = mapped_column(String(200))


class SubscriptionMessageRow(Base):
    """`seq` keeps the order of messages of the same instant (a reply and its answer)."""

    __tablename__ = "subscription_messages"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTimeUTC)
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    notification_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    message_sid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    intent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    classifier: Mapped[str | None] = mapped_column(String(16), nullable=True)


class InboundSmsRow(Base):
    """Keyed by Twilio's MessageSid: a retried webhook finds its message stored."""

    __tablename__ = "inbound_sms"

    message_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    from_phone: Mapped[str] = mapped_column(String(32))
    to_phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    processed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    # Times the sweep handed it to a worker again (RequeueInbound).
    requeues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        # The sweep's read: only the few messages not processed yet.
        Index(
            "ix_inbound_sms_unprocessed",
            "received_at",
            postgresql_where=text("processed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL"),
        ),
    )
