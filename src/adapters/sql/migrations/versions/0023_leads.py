"""Leads from Landbot: leads, their customer ids and conversations, Landbot's messages

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)
_GUID = advanced_alchemy.types.guid.GUID(length=16)
_JSON = advanced_alchemy.types.JsonB
_PATTERN = "varchar_pattern_ops"
_UNPROCESSED = sa.text("processed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", _GUID, nullable=False),
        sa.Column("recipient_id", _GUID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("fields", _JSON, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("seen_at", _TIME, nullable=False),
        sa.Column("welcome_notification_id", _GUID, nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_leads_recipient_id_recipients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("recipient_id", name=op.f("uq_leads_recipient_id")),
    )
    op.create_index("ix_leads_email", "leads", ["email"], postgresql_ops={"email": _PATTERN})
    op.create_index("ix_leads_phone", "leads", ["phone"], postgresql_ops={"phone": _PATTERN})
    op.create_index(
        "ix_leads_name_key", "leads", ["name_key"], postgresql_ops={"name_key": _PATTERN}
    )
    op.create_table(
        "lead_customers",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", _GUID, nullable=False),
        sa.Column("linked_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_customers_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_lead_customers")),
    )
    op.create_index(op.f("ix_lead_customers_lead_id"), "lead_customers", ["lead_id"])
    op.create_table(
        "lead_messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("lead_id", _GUID, nullable=False),
        sa.Column("sender_type", sa.String(length=32), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("on_ticket", sa.Boolean(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_messages_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_lead_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_lead_messages_key")),
    )
    op.create_index("ix_lead_messages_lead_id_at_seq", "lead_messages", ["lead_id", "at", "seq"])
    op.create_table(
        "landbot_messages",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("customer", _JSON, nullable=False),
        sa.Column("sender_type", sa.String(length=32), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("channel", _JSON, nullable=False),
        sa.Column("sent_at", _TIME, nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("processed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_landbot_messages")),
    )
    op.create_index(
        "ix_landbot_messages_unprocessed",
        "landbot_messages",
        ["received_at"],
        postgresql_where=_UNPROCESSED,
        sqlite_where=_UNPROCESSED,
    )


def downgrade() -> None:
    op.drop_index("ix_landbot_messages_unprocessed", table_name="landbot_messages")
    op.drop_table("landbot_messages")
    op.drop_index("ix_lead_messages_lead_id_at_seq", table_name="lead_messages")
    op.drop_table("lead_messages")
    op.drop_index(op.f("ix_lead_customers_lead_id"), table_name="lead_customers")
    op.drop_table("lead_customers")
    op.drop_index("ix_leads_name_key", table_name="leads")
    op.drop_index("ix_leads_phone", table_name="leads")
    op.drop_index("ix_leads_email", table_name="leads")
    op.drop_table("leads")
