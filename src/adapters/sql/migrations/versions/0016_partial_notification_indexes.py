"""notifications: the indexes of columns most rows leave empty hold only the rows that fill them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:00:00

A notification sent by an API key has no user and no creator, and no notification has a
provider message id until it is sent; yet each new row added an entry to all three
indexes. Every query through them asks for a value (`= :x`), which implies it is not
null, so partial indexes serve them the same and cost nothing on those rows: 3 of the 11
index entries of a key's send (benchmarks, section 10).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTIAL = (
    ("ix_notifications_user_id_id", ["user_id", "id"], "user_id IS NOT NULL"),
    ("ix_notifications_created_by_id", ["created_by", "id"], "created_by IS NOT NULL"),
    (
        "ix_notifications_provider_message_id",
        ["provider_message_id"],
        "provider_message_id IS NOT NULL",
    ),
)


def upgrade() -> None:
    for name, columns, where in _PARTIAL:
        op.drop_index(name, table_name="notifications")
        op.create_index(
            name,
            "notifications",
            columns,
            postgresql_where=text(where),
            sqlite_where=text(where),
        )


def downgrade() -> None:
    for name, columns, _ in _PARTIAL:
        op.drop_index(name, table_name="notifications")
        op.create_index(name, "notifications", columns)
