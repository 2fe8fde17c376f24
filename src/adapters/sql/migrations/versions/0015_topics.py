"""topics, and their subscriptions: one row per (topic, recipient)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql")
_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("key", _KEY, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("self_service", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_topics")),
    )
    op.create_table(
        "topic_subscriptions",
        sa.Column("topic_key", _KEY, nullable=False),
        sa.Column("recipient_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("channels", sa.String(length=20), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_key"],
            ["topics.key"],
            name=op.f("fk_topic_subscriptions_topic_key_topics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_topic_subscriptions_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_key", "recipient_id", name=op.f("pk_topic_subscriptions")),
    )
    op.create_index(
        op.f("ix_topic_subscriptions_recipient_id"), "topic_subscriptions", ["recipient_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_topic_subscriptions_recipient_id"), table_name="topic_subscriptions")
    op.drop_table("topic_subscriptions")
    op.drop_table("topics")
