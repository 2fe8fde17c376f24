"""inbound_sms: how many times the sweep handed a message to a worker again, and an index
of the messages not processed yet

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 15:00:00

A stored inbound SMS whose task was lost (a worker killed before it committed, the queue
unreachable right after the message was stored) would never be answered: Twilio does
not retry a webhook that was answered. The scheduler's sweep (RequeueInbound) hands such
messages over again; the count bounds the tries of one that fails every time, and the
partial index keeps the sweep's read to the few messages not processed yet.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_sms") as batch:
        batch.add_column(sa.Column("requeues", sa.Integer(), server_default="0", nullable=False))
    op.create_index(
        "ix_inbound_sms_unprocessed",
        "inbound_sms",
        ["received_at"],
        postgresql_where=sa.text("processed_at IS NULL"),
        sqlite_where=sa.text("processed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_sms_unprocessed", table_name="inbound_sms")
    with op.batch_alter_table("inbound_sms") as batch:
        batch.drop_column("requeues")
