"""data points: a partial index on invalid points instead of (valid, time, id)

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 01:35:00

Users page through valid points, most of the table: the primary key (time, id) serves
them with a filter. Only pages of invalid points need their own index, and a partial one
costs an insert for invalid points only, instead of one for every point.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_VALID = sa.text("NOT valid")


def upgrade() -> None:
    op.drop_index("ix_data_points_valid_time_id", table_name="data_points")
    op.create_index(
        "ix_data_points_invalid_time_id",
        "data_points",
        ["time", "id"],
        postgresql_where=_NOT_VALID,
        sqlite_where=_NOT_VALID,
    )


def downgrade() -> None:
    op.drop_index("ix_data_points_invalid_time_id", table_name="data_points")
    op.create_index("ix_data_points_valid_time_id", "data_points", ["valid", "time", "id"])
