"""data points

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 22:42:00.833884
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_points",
        sa.Column("time", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("id", advanced_alchemy.types.GUID(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("raw", sa.LargeBinary(length=4), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("tags", advanced_alchemy.types.JsonB, nullable=False),
        # (time, id) is the order of every page; no separate id index (see datapoint_rows).
        sa.PrimaryKeyConstraint("time", "id", name=op.f("pk_data_points")),
    )
    with op.batch_alter_table("data_points", schema=None) as batch_op:
        batch_op.create_index("ix_data_points_valid_time_id", ["valid", "time", "id"], unique=False)
        batch_op.create_index("uq_data_points_time_raw", ["time", "raw"], unique=True)


def downgrade() -> None:
    op.drop_table("data_points")
