"""The tables of topics and of their subscriptions, one row per (topic, recipient)."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base

# Keys sort by code point on both databases, as pages by key need ("C", not the
# server's locale, on PostgreSQL; SQLite compares bytes).
TOPIC_KEY = String(100).with_variant(String(100, collation="C"), "postgresql")


class TopicRow(Base):
    __tablename__ = "topics"

    key: Mapped[str] = mapped_column(TOPIC_KEY, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    self_service: Mapped[bool] = mapped_column(Boolean)
    # Kept by triggers on topic_subscriptions (migration 0017), cascades included, so a
    # fan-out's trigger reads it at once instead of counting 100,000 rows.
    subscribers: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class TopicSubscriptionRow(Base):
    """The primary key (topic, recipient) is the unique pair and the order a topic's
    subscribers are read in; the index by recipient serves erasure and `/me/topics`."""

    __tablename__ = "topic_subscriptions"

    topic_key: Mapped[str] = mapped_column(
        TOPIC_KEY, ForeignKey("topics.key", ondelete="CASCADE"), primary_key=True
    )
    recipient_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("recipients.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The channel override, comma-separated ("email,sms"); NULL: the recipient's own.
    channels: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
