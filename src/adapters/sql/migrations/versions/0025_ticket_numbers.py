"""ticket numbers from a sequence on PostgreSQL

The counter row's upsert held a row lock from the number's taking to the ticket's commit,
so tickets opened at once waited for each other (100 at once took seconds and ran the
connection pool dry). A sequence gives numbers without a lock; SQLite, one writer at a
time, keeps the counter row.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE ticket_numbers AS integer")
    # Continue after every number given so far.
    op.execute(
        "SELECT setval('ticket_numbers', GREATEST("
        "(SELECT max(number) FROM tickets), (SELECT max(last) FROM ticket_counter), 0) + 1, "
        "false)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The counter row carries on where the sequence stopped.
    op.execute(
        "INSERT INTO ticket_counter (id, last) "
        "SELECT 1, coalesce((SELECT max(number) FROM tickets), 0) "
        "ON CONFLICT (id) DO UPDATE SET last = excluded.last"
    )
    op.execute("DROP SEQUENCE ticket_numbers")
