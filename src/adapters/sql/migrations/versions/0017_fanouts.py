"""fan-outs of topics and their parts; notifications say which fan-out made them; topics
count their subscribers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:00:00

A fan-out makes at most one notification per recipient and channel: a unique partial
index on (fanout_id, recipient_id, channel), empty for every other notification.

A trigger answers with the topic's subscriber count at once: `topics.subscribers`, kept
by triggers on topic_subscriptions, so that every change counts, a recipient's erasure
(a cascade) too. Counting 100,000 subscriptions took 13-40 ms on a busy machine.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.String(length=100).with_variant(sa.String(length=100, collation="C"), "postgresql")
_TIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)
_GUID = advanced_alchemy.types.guid.GUID(length=16)


# PostgreSQL: one update per statement, from its transition table.
_PG_COUNT = """
CREATE FUNCTION topic_subscribers_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE topics t SET subscribers = t.subscribers + c.n
        FROM (SELECT topic_key, count(*) AS n FROM changed GROUP BY topic_key) c
        WHERE t.key = c.topic_key;
    ELSE
        UPDATE topics t SET subscribers = t.subscribers - c.n
        FROM (SELECT topic_key, count(*) AS n FROM changed GROUP BY topic_key) c
        WHERE t.key = c.topic_key;
    END IF;
    RETURN NULL;
END $$
"""
_PG_TRIGGERS = (
    "CREATE TRIGGER topic_subscriptions_added AFTER INSERT ON topic_subscriptions "
    "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
    "EXECUTE FUNCTION topic_subscribers_count()",
    "CREATE TRIGGER topic_subscriptions_removed AFTER DELETE ON topic_subscriptions "
    "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
    "EXECUTE FUNCTION topic_subscribers_count()",
)
# SQLite: row triggers (its foreign keys' cascades fire them too).
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER topic_subscriptions_added AFTER INSERT ON topic_subscriptions BEGIN "
    "UPDATE topics SET subscribers = subscribers + 1 WHERE key = NEW.topic_key; END",
    "CREATE TRIGGER topic_subscriptions_removed AFTER DELETE ON topic_subscriptions BEGIN "
    "UPDATE topics SET subscribers = subscribers - 1 WHERE key = OLD.topic_key; END",
)


def _count_subscribers() -> None:
    with op.batch_alter_table("topics") as batch:
        batch.add_column(
            sa.Column("subscribers", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.execute(
        "UPDATE topics SET subscribers = "
        "(SELECT count(*) FROM topic_subscriptions s WHERE s.topic_key = topics.key)"
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_COUNT)
        for trigger in _PG_TRIGGERS:
            op.execute(trigger)
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def upgrade() -> None:
    _count_subscribers()
    op.create_table(
        "fanouts",
        sa.Column("id", _GUID, nullable=False),
        sa.Column("topic_key", _KEY, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("sendtime", _TIME, nullable=False),
        sa.Column("channels", sa.String(length=20), nullable=False),
        sa.Column("exclude", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("caller", _GUID, nullable=False),
        sa.Column("created_by", _GUID, nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("subscribers", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fanouts")),
    )
    op.create_index("ix_fanouts_topic_key_id", "fanouts", ["topic_key", "id"])
    op.create_index(
        "ux_fanouts_caller_idempotency_key",
        "fanouts",
        ["caller", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
        sqlite_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index(
        "ix_fanouts_expanding",
        "fanouts",
        ["id"],
        postgresql_where=sa.text("status = 'expanding'"),
        sqlite_where=sa.text("status = 'expanding'"),
    )
    op.create_table(
        "fanout_parts",
        sa.Column("fanout_id", _GUID, nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("cursor", _GUID, nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("lease_until", _TIME, nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("channel_off", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Integer(), nullable=False),
        sa.Column("no_address", sa.Integer(), nullable=False),
        sa.Column("unrenderable", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fanout_id"],
            ["fanouts.id"],
            name=op.f("fk_fanout_parts_fanout_id_fanouts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("fanout_id", "part", name=op.f("pk_fanout_parts")),
    )
    op.create_index(
        "ix_fanout_parts_lease",
        "fanout_parts",
        ["lease_until"],
        postgresql_where=sa.text("NOT done"),
        sqlite_where=sa.text("NOT done"),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("fanout_id", _GUID, nullable=True))
    op.create_index(
        "ux_notifications_fanout",
        "notifications",
        ["fanout_id", "recipient_id", "channel"],
        unique=True,
        postgresql_where=sa.text("fanout_id IS NOT NULL"),
        sqlite_where=sa.text("fanout_id IS NOT NULL"),
    )


def downgrade() -> None:
    on = " ON topic_subscriptions" if op.get_context().dialect.name == "postgresql" else ""
    op.drop_index("ux_notifications_fanout", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("fanout_id")
    op.drop_index("ix_fanout_parts_lease", table_name="fanout_parts")
    op.drop_table("fanout_parts")
    op.drop_index("ix_fanouts_expanding", table_name="fanouts")
    op.drop_index("ux_fanouts_caller_idempotency_key", table_name="fanouts")
    op.drop_index("ix_fanouts_topic_key_id", table_name="fanouts")
    op.drop_table("fanouts")
    op.execute("DROP TRIGGER topic_subscriptions_added" + on)
    op.execute("DROP TRIGGER topic_subscriptions_removed" + on)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION topic_subscribers_count()")
    with op.batch_alter_table("topics") as batch:
        batch.drop_column("subscribers")
