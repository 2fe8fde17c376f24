"""The tables of messaging: profiles, conversations, their members, messages and the
receipts of each recipient.

A page of a conversation walks `ix_messages_conversation_id_id` from where the cursor
left off, so it costs the same whatever the length of the history; a user's own page
walks each of their conversations the same way. Receipts are keyed by (user,
conversation, message): unread counts and read markers touch only the unread part.
"""

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from adapters.sql.tables.base import Base

PROFILE_NAME = String(32)  # the seed's varchar(32)


class UserProfileRow(Base):
    __tablename__ = "user_profiles"

    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    first_name: Mapped[str | None] = mapped_column(PROFILE_NAME, nullable=True)
    last_name: Mapped[str | None] = mapped_column(PROFILE_NAME, nullable=True)
    contacts_only: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The pair of a direct conversation (NULL for groups): one per pair.
    direct_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    activity_id: Mapped[UUID] = mapped_column(GUID)


class ConversationMemberRow(Base):
    """The index by user serves a user's list of conversations."""

    __tablename__ = "conversation_members"

    conversation_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    read_up_to: Mapped[UUID | None] = mapped_column(GUID, nullable=True)  # the read marker


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        # A retried send finds the first one (NULLs, sends without an id, are distinct).
        UniqueConstraint("sender_id", "client_msg_id", name="uq_messages_sender_id_client_msg_id"),
    )

    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    conversation_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    sender_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON, None: none
    client_msg_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)
    edited_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class MessageReceiptRow(Base):
    """A recipient's copy of a message (the seed's timestamp_delivered and
    timestamp_read, per recipient). The primary key leads with the user and the
    conversation: a read marker and an unread count touch one range of it."""

    __tablename__ = "message_receipts"
    __table_args__ = (Index("ix_message_receipts_message_id", "message_id"),)

    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    message_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    delivered_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class MessageReactionRow(Base):
    """One per emoji per user per message: the primary key is the rule."""

    __tablename__ = "message_reactions"

    message_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    emoji: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class UserBlockRow(Base):
    """`blocker_id` blocked `blocked_id`; the index by the blocked side serves "who blocked
    me" (the directory hides both ways)."""

    __tablename__ = "user_blocks"

    blocker_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class UserContactRow(Base):
    """`user_id` asked for `contact_id` as a contact; two users are contacts when each
    asked for the other (a request, then its acceptance)."""

    __tablename__ = "user_contacts"

    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC)


class MessageEventRow(Base):
    """A live event as one recipient's stream replays it: the primary key (user, id) is
    the order of a replay after `Last-Event-ID`."""

    __tablename__ = "message_events"

    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[UUID] = mapped_column(GUID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)
    # The hourly purge reads the oldest first (PurgeEvents).
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC, index=True)


class MessageNoticeRow(Base):
    """The last notification of unread messages per member and conversation: when, and
    up to which message, so that each window sends one at most."""

    __tablename__ = "message_notices"

    user_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    up_to: Mapped[UUID] = mapped_column(GUID)
    notified_at: Mapped[datetime] = mapped_column(DateTimeUTC)
