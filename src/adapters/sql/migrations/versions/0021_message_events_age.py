"""message_events: an index by age, for the hourly purge of events past their keeping

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 15:00:00

Live events were kept for ever; PurgeEvents now deletes those older than
HERALD_MESSAGES_EVENTS_KEPT_HOURS, oldest first, which reads them by `created_at`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_message_events_created_at", "message_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_message_events_created_at", table_name="message_events")
