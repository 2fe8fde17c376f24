"""SMS subscriptions: subscriptions, their state changes and messages, inbound SMS

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)
_GUID = advanced_alchemy.types.guid.GUID(length=16)
_LIVE = sa.text("status IN ('pending', 'active')")
_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", _GUID, nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("program", sa.String(length=100), nullable=False),
        sa.Column("recipient_id", _GUID, nullable=False),
        sa.Column("user_id", _GUID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("confirmation_sent_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_subscriptions_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(op.f("ix_subscriptions_recipient_id"), "subscriptions", ["recipient_id"])
    op.create_index(
        "ix_subscriptions_phone_program_id", "subscriptions", ["phone", "program", "id"]
    )
    op.create_index("ix_subscriptions_user_id_id", "subscriptions", ["user_id", "id"])
    op.create_index(
        "uq_subscriptions_live_phone_program",
        "subscriptions",
        ["phone", "program"],
        unique=True,
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    )
    op.create_index(
        "ix_subscriptions_pending_expires_at",
        "subscriptions",
        ["expires_at"],
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    )
    op.create_table(
        "subscription_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", _GUID, nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_changes_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_subscription_changes")),
    )
    op.create_index(
        op.f("ix_subscription_changes_subscription_id"),
        "subscription_changes",
        ["subscription_id"],
    )
    op.create_table(
        "subscription_messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", _GUID, nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("notification_id", _GUID, nullable=True),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        sa.Column("intent", sa.String(length=16), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("classifier", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_messages_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_subscription_messages")),
    )
    op.create_index(
        op.f("ix_subscription_messages_subscription_id"),
        "subscription_messages",
        ["subscription_id"],
    )
    op.create_table(
        "inbound_sms",
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("from_phone", sa.String(length=32), nullable=False),
        sa.Column("to_phone", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("processed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("message_sid", name=op.f("pk_inbound_sms")),
    )


def downgrade() -> None:
    op.drop_table("inbound_sms")
    op.drop_index(
        op.f("ix_subscription_messages_subscription_id"), table_name="subscription_messages"
    )
    op.drop_table("subscription_messages")
    op.drop_index(
        op.f("ix_subscription_changes_subscription_id"), table_name="subscription_changes"
    )
    op.drop_table("subscription_changes")
    op.drop_index("ix_subscriptions_pending_expires_at", table_name="subscriptions")
    op.drop_index("uq_subscriptions_live_phone_program", table_name="subscriptions")
    op.drop_index("ix_subscriptions_user_id_id", table_name="subscriptions")
    op.drop_index("ix_subscriptions_phone_program_id", table_name="subscriptions")
    op.drop_index(op.f("ix_subscriptions_recipient_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
