"""recipients: indexes the prefix search can use

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:20:00

`GET /recipients?q=` looks for names (case-folded), emails (lowercased), phones and
external ids starting with `q`, as `LIKE 'q%'` on PostgreSQL. A B-tree of the default
operator class serves such a prefix only under the C collation; these use the pattern
operator classes, which compare byte by byte under any collation and also serve `=`
(the phone's lookup of an opt-out). The email one is on `lower(email)`, what the search
compares; the plain email index served nothing and goes. SQLite (which keeps its
`substr` search) ignores the operator classes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PATTERN = "varchar_pattern_ops"


def upgrade() -> None:
    for column in ("name_key", "email", "phone"):
        op.drop_index(f"ix_recipients_{column}", table_name="recipients")
    for column in ("name_key", "phone", "external_id"):
        op.create_index(
            f"ix_recipients_{column}_prefix",
            "recipients",
            [column],
            postgresql_ops={column: _PATTERN},
        )
    op.create_index(
        "ix_recipients_email_prefix",
        "recipients",
        [sa.text("lower(email) text_pattern_ops")]
        if op.get_bind().dialect.name == "postgresql"
        else [sa.text("lower(email)")],
    )


def downgrade() -> None:
    for column in ("name_key", "phone", "external_id", "email"):
        op.drop_index(f"ix_recipients_{column}_prefix", table_name="recipients")
    for column in ("name_key", "email", "phone"):
        op.create_index(f"ix_recipients_{column}", "recipients", [column])
