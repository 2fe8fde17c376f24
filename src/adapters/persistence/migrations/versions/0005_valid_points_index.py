"""merge 0003 and 0004; data points: a partial (time, id) index on valid points

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-12-01 21:30:00

One linear history again (0003 and 0004 both followed earlier revisions). And deep
`skip`: a page that skips N points first finds its start row by walking N entries of a
narrow index alone (index-only, nothing computed), then fetches the page by key. Valid
points (users' pages, most of the table) get their own partial index for that walk, as
invalid points have since 0004 and all points have the primary key; without it the walk
went through the primary key and read every skipped row's heap tuple to test `valid`.

Index-only scans skip the heap only on pages the visibility map marks all-visible, which
(auto)vacuum does. On PostgreSQL, autovacuum visits this insert-only table after 1 % of
new rows instead of the default 20 %, so freshly ingested points become cheap to skip
sooner.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VALID = sa.text("valid")


def upgrade() -> None:
    op.create_index(
        "ix_data_points_valid_time_id",
        "data_points",
        ["time", "id"],
        postgresql_where=_VALID,
        sqlite_where=_VALID,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE data_points SET (autovacuum_vacuum_insert_scale_factor = 0.01)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE data_points RESET (autovacuum_vacuum_insert_scale_factor)")
    op.drop_index("ix_data_points_valid_time_id", table_name="data_points")
