"""notifications: the recipient each goes to, and the group of one POST's channels, an email's HTML

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:10:00

A notification now goes to a recipient (`recipient_id`), who may have no account, so
`user_id` may be empty; one made by an API key has no `created_by`. One POST makes a
notification per channel, tied by `group_id`. Existing rows: their user's recipient, and
a group of their own (`group_id = id`). An email rendered from a template keeps its HTML
part (`html`), so what is scheduled is what is sent. Idempotency keys belong to a user or a key, so
their owner loses its foreign key to users, and they keep the channels a POST skipped.

Downgrade drops what has no place in 0010: notifications without a user or a creator
(sent to recipients without accounts, or made by keys) and idempotency keys of API keys.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GUID = advanced_alchemy.types.guid.GUID(length=16)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("recipient_id", _GUID, nullable=True))
        batch.add_column(sa.Column("group_id", _GUID, nullable=True))
        batch.add_column(sa.Column("html", sa.Text(), nullable=True))
    op.execute(
        "UPDATE notifications SET group_id = id, recipient_id = ("
        "SELECT recipients.id FROM recipients WHERE recipients.user_id = notifications.user_id)"
    )
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("group_id", existing_type=_GUID, nullable=False)
        batch.alter_column("user_id", existing_type=_GUID, nullable=True)
        batch.alter_column("created_by", existing_type=_GUID, nullable=True)
        batch.create_index("ix_notifications_recipient_id_id", ["recipient_id", "id"])
        batch.create_index("ix_notifications_group_id", ["group_id"])
    with op.batch_alter_table("notification_idempotency_keys") as batch:
        batch.drop_constraint("fk_notification_idempotency_keys_user_id_users", "foreignkey")
        batch.add_column(sa.Column("skipped", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute(
        "DELETE FROM notification_idempotency_keys WHERE user_id NOT IN (SELECT id FROM users)"
    )
    with op.batch_alter_table("notification_idempotency_keys") as batch:
        batch.drop_column("skipped")
        batch.create_foreign_key(
            "fk_notification_idempotency_keys_user_id_users",
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.execute("DELETE FROM notifications WHERE user_id IS NULL OR created_by IS NULL")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_group_id")
        batch.drop_index("ix_notifications_recipient_id_id")
        batch.alter_column("created_by", existing_type=_GUID, nullable=False)
        batch.alter_column("user_id", existing_type=_GUID, nullable=False)
        batch.drop_column("html")
        batch.drop_column("group_id")
        batch.drop_column("recipient_id")
