"""recipients: one per person Herald notifies; each user's, with its contact preferences

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:30:00

Every existing user gets a recipient `user:<username>` carrying its contact_preferences
row (`notify_pref` email -> the email channel on, sms -> the sms channel on, none -> both
off; email, phone, the SMS opt-out). `/preferences` reads and writes that recipient from
now on, so contact_preferences is dropped here; downgrade makes it again from the users'
recipients (both channels on reads back as email, as `/preferences` does).
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

from domain.ids import new_ids

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GUID = advanced_alchemy.types.guid.GUID(length=16)
_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)

# Values copied from row to row stay untyped: whatever each database stored is written back
# as it was read. Only the new ids go through the GUID type.
_users = sa.table("users", sa.column("id"), sa.column("username"), sa.column("created_at"))


def _preferences_table() -> sa.Table:
    return op.create_table(
        "contact_preferences",
        sa.Column("user_id", _GUID, nullable=False),
        sa.Column("notify_pref", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("sms_opted_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contact_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_contact_preferences")),
    )


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("id", _GUID, nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", _GUID, nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("locale", sa.String(length=35), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("email_on", sa.Boolean(), nullable=False),
        sa.Column("sms_on", sa.Boolean(), nullable=False),
        sa.Column("sms_opted_out", sa.Boolean(), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recipients_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")),
        sa.UniqueConstraint("external_id", name=op.f("uq_recipients_external_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_recipients_user_id")),
    )
    for column in ("name_key", "email", "phone"):
        op.create_index(op.f(f"ix_recipients_{column}"), "recipients", [column])

    prefs = sa.table(
        "contact_preferences",
        sa.column("user_id"),
        sa.column("notify_pref"),
        sa.column("email"),
        sa.column("phone"),
        sa.column("sms_opted_out", sa.Boolean()),
        sa.column("updated_at"),
    )
    found = (
        op.get_bind()
        .execute(
            sa.select(
                _users.c.id,
                _users.c.username,
                _users.c.created_at,
                prefs.c.notify_pref,
                prefs.c.email,
                prefs.c.phone,
                prefs.c.sms_opted_out,
                prefs.c.updated_at,
            )
            .select_from(_users.outerjoin(prefs, prefs.c.user_id == _users.c.id))
            .order_by(_users.c.created_at)
        )
        .all()
    )
    rows = []
    for (user_id, username, created_at, pref, email, phone, opted_out, updated_at), rid in zip(
        found, new_ids(len(found)), strict=True
    ):
        pref = (pref or "none").lower()
        rows.append(
            {
                "id": rid,
                "external_id": f"user:{username}",
                "user_id": user_id,
                "email": email,
                "phone": phone,
                "email_on": pref == "email",
                "sms_on": pref == "sms",
                "sms_opted_out": bool(opted_out),
                "created_at": created_at,
                "updated_at": updated_at or created_at,
            }
        )
    target = sa.table(
        "recipients",
        sa.column("id", _GUID),
        *(sa.column(name) for name in ("external_id", "user_id", "email", "phone")),
        *(sa.column(name, sa.Boolean()) for name in ("email_on", "sms_on", "sms_opted_out")),
        sa.column("created_at"),
        sa.column("updated_at"),
    )
    if rows:
        op.get_bind().execute(target.insert(), rows)
    op.drop_table("contact_preferences")


def downgrade() -> None:
    prefs = _preferences_table()
    r = sa.table(
        "recipients",
        sa.column("user_id"),
        sa.column("email_on", sa.Boolean()),
        sa.column("sms_on", sa.Boolean()),
        sa.column("email"),
        sa.column("phone"),
        sa.column("sms_opted_out", sa.Boolean()),
        sa.column("updated_at"),
    )
    pref = sa.case((r.c.email_on, "email"), (r.c.sms_on, "sms"), else_="none")
    op.get_bind().execute(
        prefs.insert().from_select(
            ["user_id", "notify_pref", "email", "phone", "sms_opted_out", "updated_at"],
            sa.select(
                r.c.user_id, pref, r.c.email, r.c.phone, r.c.sms_opted_out, r.c.updated_at
            ).where(r.c.user_id.is_not(None)),
        )
    )
    for column in ("name_key", "email", "phone"):
        op.drop_index(op.f(f"ix_recipients_{column}"), table_name="recipients")
    op.drop_table("recipients")
