"""notifications: who created each one; joins the two branches of the history

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-12-01 22:00:00

0003 (notifications) and 0004 (data points) both followed earlier revisions, so the
history had two heads and a plain `alembic upgrade head` failed. This revision follows
both: from here on the history is linear.

`created_by` is whoever made the notification (an admin may notify another user), so
that its creator can read and cancel it too. Existing rows were made by their user.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | tuple[str, ...] | None = ("0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("created_by", advanced_alchemy.types.GUID(), nullable=True))
    op.execute("UPDATE notifications SET created_by = user_id")
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("created_by", nullable=False)
        batch.create_foreign_key(
            "fk_notifications_created_by_users", "users", ["created_by"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_notifications_created_by_id", ["created_by", "id"])


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_created_by_id")
        batch.drop_constraint("fk_notifications_created_by_users", type_="foreignkey")
        batch.drop_column("created_by")
