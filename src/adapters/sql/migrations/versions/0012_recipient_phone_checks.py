"""recipients: whether a phone lookup vouched for the phone number

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 03:10:00

`phone_verified` is true once a lookup (Twilio Lookup v2) found the number valid; false
when only its format was checked. No recipient stored before this revision was looked
up, so every existing row starts unverified.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recipients") as batch:
        batch.add_column(
            sa.Column("phone_verified", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("recipients") as batch:
        batch.drop_column("phone_verified")
