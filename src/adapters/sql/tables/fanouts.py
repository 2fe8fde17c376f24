"""The tables of fan-outs and of their parts. A part holds its own cursor, lease and
counts, so parts expand side by side without touching one row; a fan-out's totals are
the sums over its parts."""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base
from adapters.sql.tables.topics import TOPIC_KEY


class FanoutRow(Base):
    __tablename__ = "fanouts"
    __table_args__ = (
        Index("ix_fanouts_topic_key_id", "topic_key", "id"),
        Index(
            "ux_fanouts_caller_idempotency_key",
            "caller",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
            sqlite_where=text("idempotency_key IS NOT NULL"),
        ),
        # The recovery sweep only ever looks at fan-outs still expanding.
        Index(
            "ix_fanouts_expanding",
            "id",
            postgresql_where=text("status = 'expanding'"),
            sqlite_where=text("status = 'expanding'"),
        ),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    # No foreign key: a fan-out's record outlives its topic.
    topic_key: Mapped[str] = mapped_column(TOPIC_KEY)
    status: Mapped[str] = mapped_column(String(16))
    template: Mapped[str | None] = mapped_column(String(100), nullable=True)
    data: Mapped[str] = mapped_column(Text)  # JSON object
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    sendtime: Mapped[datetime] = mapped_column(DateTimeUTC)
    channels: Mapped[str] = mapped_column(String(20))  # comma-separated
    exclude: Mapped[str] = mapped_column(Text)  # JSON list of external ids
    urgent: Mapped[bool] = mapped_column(Boolean)
    # The user's or the API key's id (whose the Idempotency-Key is), so no foreign key.
    caller: Mapped[UUID] = mapped_column(GUID)
    created_by: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subscribers: Mapped[int] = mapped_column(Integer)
    parts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class FanoutPartRow(Base):
    __tablename__ = "fanout_parts"
    __table_args__ = (
        Index(
            "ix_fanout_parts_lease",
            "lease_until",
            postgresql_where=text("NOT done"),
            sqlite_where=text("NOT done"),
        ),
    )

    fanout_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("fanouts.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    cursor: Mapped[UUID | None] = mapped_column(GUID, nullable=True)  # the last recipient read
    done: Mapped[bool] = mapped_column(Boolean)
    lease_until: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    created: Mapped[int] = mapped_column(Integer)
    channel_off: Mapped[int] = mapped_column(Integer)
    opted_out: Mapped[int] = mapped_column(Integer)
    no_address: Mapped[int] = mapped_column(Integer)
    unrenderable: Mapped[int] = mapped_column(Integer)
