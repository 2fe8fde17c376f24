"""data points: per-minute counts and a partial index on valid points

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:30:00

What a deep `skip` needs so that it no longer reads every skipped row:

- `data_point_minutes`: how many valid and invalid points each minute holds. A page that
  skips N points adds up these counts to find the minute where its first row is, then
  walks only within that minute. On PostgreSQL, statement-level triggers keep the counts
  in the writing transaction itself (COPY, INSERT, UPDATE, DELETE, TRUNCATE), so a page
  sees counts and points of the same snapshot. SQLite keeps the table empty: its pages
  use OFFSET.
- `ix_data_points_valid_time_id (time, id) WHERE valid`: that walk for valid points,
  index-only (invalid points have had theirs since 0004, all points use the primary key).

Index-only scans skip the table only on pages the visibility map marks all-visible, which
(auto)vacuum does; autovacuum visits this insert-only table after 1 % of new rows instead
of the default 20 %.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VALID = sa.text("valid")

# `sign` 1 adds the rows of `changed` to their minutes' counts, -1 takes them away. A
# minute is Unix seconds // 60; date_trunc per row is 2-4 times cheaper than numeric
# epoch arithmetic. Rows go in minute order, so concurrent writers lock minute rows in
# one order (no deadlock).
_ADJUST = """
INSERT INTO data_point_minutes AS m (minute, valid_points, invalid_points)
SELECT extract(epoch FROM minute_start)::bigint / 60, {sign} * valid, {sign} * invalid
FROM (SELECT date_trunc('minute', time AT TIME ZONE 'UTC') AS minute_start,
             count(*) FILTER (WHERE valid) AS valid, count(*) FILTER (WHERE NOT valid) AS invalid
      FROM {changed} GROUP BY 1) AS per_minute
ORDER BY 1
ON CONFLICT (minute) DO UPDATE
SET valid_points = m.valid_points + excluded.valid_points,
    invalid_points = m.invalid_points + excluded.invalid_points;
"""
_FUNCTIONS = {
    "data_point_minutes_insert": _ADJUST.format(sign=1, changed="new_points"),
    "data_point_minutes_delete": _ADJUST.format(sign=-1, changed="old_points"),
    "data_point_minutes_update": _ADJUST.format(sign=-1, changed="old_points")
    + _ADJUST.format(sign=1, changed="new_points"),
    "data_point_minutes_truncate": "TRUNCATE data_point_minutes;",
}
_TRIGGERS = {
    "data_point_minutes_insert": "AFTER INSERT ON data_points REFERENCING NEW TABLE AS new_points",
    "data_point_minutes_delete": "AFTER DELETE ON data_points REFERENCING OLD TABLE AS old_points",
    "data_point_minutes_update": "AFTER UPDATE ON data_points "
    "REFERENCING OLD TABLE AS old_points NEW TABLE AS new_points",
    "data_point_minutes_truncate": "AFTER TRUNCATE ON data_points",
}


def upgrade() -> None:
    op.create_table(
        "data_point_minutes",
        sa.Column("minute", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("valid_points", sa.BigInteger(), nullable=False),
        sa.Column("invalid_points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("minute", name=op.f("pk_data_point_minutes")),
    )
    op.create_index(
        "ix_data_points_valid_time_id",
        "data_points",
        ["time", "id"],
        postgresql_where=_VALID,
        sqlite_where=_VALID,
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, body in _FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} {_TRIGGERS[name]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    op.execute(_ADJUST.format(sign=1, changed="data_points"))  # the points already stored
    op.execute("ALTER TABLE data_points SET (autovacuum_vacuum_insert_scale_factor = 0.01)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE data_points RESET (autovacuum_vacuum_insert_scale_factor)")
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON data_points")
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_index("ix_data_points_valid_time_id", table_name="data_points")
    op.drop_table("data_point_minutes")
