"""tickets: support tickets, their timelines, and the counter of their numbers

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 14:40:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = advanced_alchemy.types.guid.GUID(length=16)
_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("requester_id", _ID, nullable=True),
        sa.Column("assignee", sa.String(length=32), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("solved_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["recipients.id"],
            name=op.f("fk_tickets_requester_id_recipients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    op.create_index(op.f("ix_tickets_requester_id"), "tickets", ["requester_id"])
    op.create_index("ix_tickets_status_solved_at", "tickets", ["status", "solved_at"])
    op.create_table(
        "ticket_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=True),
        sa.Column("old", sa.String(length=32), nullable=True),
        sa.Column("new", sa.String(length=32), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_events_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index("ix_ticket_events_ticket_id_id", "ticket_events", ["ticket_id", "id"])
    op.create_table(
        "ticket_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_counter")),
    )


def downgrade() -> None:
    op.drop_table("ticket_counter")
    op.drop_index("ix_ticket_events_ticket_id_id", table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_index("ix_tickets_status_solved_at", table_name="tickets")
    op.drop_index(op.f("ix_tickets_requester_id"), table_name="tickets")
    op.drop_table("tickets")
