"""joins recipients, API keys and templates into one history

Revision ID: 0010
Revises: 0007, 0008, 0009
Create Date: 2026-12-02 03:00:00

Recipients (0007), API keys (0008) and templates (0009) were built side by side, each
following 0006, so the history had three heads and a plain `alembic upgrade head` would
fail. This revision follows all three and changes nothing else: from here on the history
is linear again.
"""

from collections.abc import Sequence

revision: str = "0010"
down_revision: str | tuple[str, ...] | None = ("0007", "0008", "0009")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
