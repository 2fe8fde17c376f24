"""joins notification groups and recipients' phone checks into one history

Revision ID: 0013
Revises: 0011, 0012
Create Date: 2026-12-02 03:10:00

Notifications to recipients (0011) and recipients' phone checks (0012) were built side
by side, each following 0010. This revision follows both and changes nothing else: the
history is linear again.
"""

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | tuple[str, ...] | None = ("0011", "0012")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
