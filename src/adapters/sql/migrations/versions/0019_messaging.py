"""messaging: user profiles, conversations and their members, messages, receipts, reactions,
blocks and contacts, live events, notices of unread messages

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 06:40:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = advanced_alchemy.types.guid.GUID(length=16)
_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "user_profiles",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("first_name", sa.String(length=32), nullable=True),
        sa.Column("last_name", sa.String(length=32), nullable=True),
        sa.Column("contacts_only", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        _fk("user_profiles", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_profiles")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("direct_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("activity_id", _ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("direct_key", name=op.f("uq_conversations_direct_key")),
    )
    op.create_table(
        "conversation_members",
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("joined_at", _TIME, nullable=False),
        sa.Column("read_up_to", _ID, nullable=True),
        _fk("conversation_members", "conversation_id", "conversations"),
        _fk("conversation_members", "user_id", "users"),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name=op.f("pk_conversation_members")),
    )
    op.create_index(op.f("ix_conversation_members_user_id"), "conversation_members", ["user_id"])
    op.create_table(
        "messages",
        sa.Column("id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("sender_id", _ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=True),
        sa.Column("client_msg_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("edited_at", _TIME, nullable=True),
        sa.Column("deleted_at", _TIME, nullable=True),
        _fk("messages", "conversation_id", "conversations"),
        _fk("messages", "sender_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "sender_id", "client_msg_id", name="uq_messages_sender_id_client_msg_id"
        ),
    )
    op.create_index("ix_messages_conversation_id_id", "messages", ["conversation_id", "id"])
    op.create_table(
        "message_receipts",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("message_id", _ID, nullable=False),
        sa.Column("delivered_at", _TIME, nullable=True),
        sa.Column("read_at", _TIME, nullable=True),
        _fk("message_receipts", "user_id", "users"),
        _fk("message_receipts", "conversation_id", "conversations"),
        _fk("message_receipts", "message_id", "messages"),
        sa.PrimaryKeyConstraint(
            "user_id", "conversation_id", "message_id", name=op.f("pk_message_receipts")
        ),
    )
    op.create_index("ix_message_receipts_message_id", "message_receipts", ["message_id"])
    op.create_table(
        "message_reactions",
        sa.Column("message_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("emoji", sa.String(length=128), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        _fk("message_reactions", "message_id", "messages"),
        _fk("message_reactions", "user_id", "users"),
        sa.PrimaryKeyConstraint(
            "message_id", "user_id", "emoji", name=op.f("pk_message_reactions")
        ),
    )

    for table, first, second in (
        ("user_blocks", "blocker_id", "blocked_id"),
        ("user_contacts", "user_id", "contact_id"),
    ):
        op.create_table(
            table,
            sa.Column(first, _ID, nullable=False),
            sa.Column(second, _ID, nullable=False),
            sa.Column("created_at", _TIME, nullable=False),
            _fk(table, first, "users"),
            _fk(table, second, "users"),
            sa.PrimaryKeyConstraint(first, second, name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_{second}"), table, [second])
    op.create_table(
        "message_events",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        _fk("message_events", "user_id", "users"),
        sa.PrimaryKeyConstraint("user_id", "id", name=op.f("pk_message_events")),
    )
    op.create_table(
        "message_notices",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("up_to", _ID, nullable=False),
        sa.Column("notified_at", _TIME, nullable=False),
        _fk("message_notices", "user_id", "users"),
        _fk("message_notices", "conversation_id", "conversations"),
        sa.PrimaryKeyConstraint("user_id", "conversation_id", name=op.f("pk_message_notices")),
    )


def downgrade() -> None:
    op.drop_table("message_notices")
    op.drop_table("message_events")
    for table, second in (("user_contacts", "contact_id"), ("user_blocks", "blocked_id")):
        op.drop_index(op.f(f"ix_{table}_{second}"), table_name=table)
        op.drop_table(table)
    op.drop_table("message_reactions")
    op.drop_index("ix_message_receipts_message_id", table_name="message_receipts")
    op.drop_table("message_receipts")
    op.drop_index("ix_messages_conversation_id_id", table_name="messages")
    op.drop_table("messages")
    op.drop_index(op.f("ix_conversation_members_user_id"), table_name="conversation_members")
    op.drop_table("conversation_members")
    op.drop_table("conversations")
    op.drop_table("user_profiles")
