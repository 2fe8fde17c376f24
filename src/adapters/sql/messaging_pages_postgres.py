"""Pages of messages rendered by PostgreSQL (`RenderedPages`): the statement reads the
page and writes its JSON, so the API hands the text to the client as it is. Turning 50
rows into messages, then into the API's structs, then into JSON was about half of the
API's CPU for a read (docs/benchmarks.md, section 18).

The JSON is the HTTP API's `MessageOut` for the viewer, field for field:
`tests/contract/test_messaging_rendered_pages.py` compares it with what the API makes of
the same messages read through the repository. Times are written as msgspec writes a UTC
time (microseconds only when there are any, then `Z`); reactions most given first, then
in the order first given (`reactions_of`); `delivered_at` and `read_at` are the
viewer's own copy's, or for the sender the last recipient's once all have it
(`Message.seen_by`)."""

# ruff: noqa: S608 -- the SQL is built from fixed fragments, numbered parameters and ints

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.sql.direct_pool import DirectPool
from adapters.sql.messaging_postgres import PageWindow, direct_key_sql
from application.paging import ID_CURSORS
from application.ports.messaging import RenderedPage


def _iso(t: str) -> str:
    whole = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
    fraction = '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\''
    return (
        f"to_char({t} AT TIME ZONE 'UTC', CASE WHEN date_part('microseconds', {t})::int8"
        f" % 1000000 = 0 THEN {whole} ELSE {fraction} END)"
    )


# `Message.seen_by`: the sender's copy times are the last recipient's once all have one.
_SEEN = (
    "CASE WHEN m.sender_id = $1::uuid THEN CASE WHEN r.copies > 0 AND r.{n} = r.copies"
    " THEN r.{last} END ELSE r.{mine} END"
)

# $1 the viewer, $2 now, $3 the name of the page (`named`: its user, if any). `{page}`
# selects up to limit + 1 ids (the extra one only says that another page follows); the
# first `limit` are shown, the viewer's undelivered copies among them as delivered at $2
# and listed, for `Deliveries` to record. (An UPDATE in the statement would make
# PostgreSQL plan it again at every run: 0.35 ms.)
_RENDERED = f"""
WITH named AS (SELECT id FROM users WHERE username = $3 AND NOT disabled),
page AS ({{page}}),
shown AS (SELECT id FROM page ORDER BY id DESC LIMIT {{limit}}),
receipts AS (
    SELECT message_id, count(*) AS copies, count(d) AS delivered, max(d) AS last_delivered,
           count(read_at) AS read, max(read_at) AS last_read,
           max(d) FILTER (WHERE user_id = $1::uuid) AS my_delivered,
           max(read_at) FILTER (WHERE user_id = $1::uuid) AS my_read,
           bool_or(user_id = $1::uuid AND delivered_at IS NULL) AS undelivered
    FROM (SELECT message_id, user_id, delivered_at, read_at,
                 CASE WHEN user_id = $1::uuid THEN coalesce(delivered_at, $2::timestamptz)
                      ELSE delivered_at END AS d
          FROM message_receipts WHERE message_id IN (SELECT id FROM shown)) copy
    GROUP BY message_id
),
reactions AS (
    SELECT message_id,
           json_agg(json_build_object('emoji', emoji, 'count', n, 'mine', mine)
                    ORDER BY n DESC, first_at, first_user) AS given
    FROM (SELECT message_id, emoji, count(*) AS n, bool_or(user_id = $1::uuid) AS mine,
                 min(created_at) AS first_at,
                 (array_agg(user_id ORDER BY created_at, user_id))[1] AS first_user
          FROM message_reactions WHERE message_id IN (SELECT id FROM shown)
          GROUP BY message_id, emoji) by_emoji
    GROUP BY message_id
)
SELECT EXISTS (SELECT 1 FROM named),
       (SELECT count(*) FROM page) > {{limit}},
       (SELECT id FROM shown ORDER BY id LIMIT 1),
       array_agg(v.id) FILTER (WHERE v.undelivered),
       coalesce(json_agg(v.message ORDER BY v.id DESC), '[]')
FROM (
    SELECT s.id, s.undelivered, o AS message
    FROM (
        SELECT m.id, m.conversation_id, u.username AS sender, m.body, m.attachments,
               x.given AS reactions, m.created_at, m.edited_at, m.deleted_at,
               {_SEEN.format(n="delivered", last="last_delivered", mine="my_delivered")}
                   AS delivered_at,
               {_SEEN.format(n="read", last="last_read", mine="my_read")} AS read_at,
               CASE WHEN m.sender_id = $1::uuid THEN m.client_msg_id END AS client_msg_id,
               r.undelivered
        FROM shown
        JOIN messages m ON m.id = shown.id
        JOIN users u ON u.id = m.sender_id
        LEFT JOIN receipts r ON r.message_id = m.id
        LEFT JOIN reactions x ON x.message_id = m.id
    ) s
    -- A message is the record of the API's fields, in order, made JSON by json_agg: 0.37
    -- ms of PostgreSQL's CPU a page, against 0.43 with json_build_object.
    CROSS JOIN LATERAL (
        SELECT s.id AS id, s.conversation_id AS conversation_id, s.sender AS sender,
               s.body AS body, coalesce(s.attachments::json, '[]') AS attachments,
               coalesce(s.reactions, '[]') AS reactions,
               {_iso("s.created_at")} AS created_at,
               {_iso("s.edited_at")} AS edited_at,
               s.deleted_at IS NOT NULL AS deleted,
               {_iso("s.delivered_at")} AS delivered_at,
               {_iso("s.read_at")} AS read_at,
               s.client_msg_id AS client_msg_id
    ) o
) v
"""


def named_page(conditions: str, n: int) -> str:
    """The ids of the page a name means, up to `n` (a literal: the plan is reused).
    Exactly one branch reads: for the viewer's own name, each of their conversations'
    newest ids through its own index range, merged; for another's, the pair's direct
    conversation (by its key, `direct_key_sql`). Both walk a
    conversation's messages from a joined row, never from a scalar subquery: with one,
    the planner walked the whole primary key when the subquery found nothing."""
    return (
        "(SELECT p.id FROM conversation_members cm CROSS JOIN LATERAL ("
        f"SELECT id FROM messages WHERE conversation_id = cm.conversation_id{conditions} "
        f"ORDER BY id DESC LIMIT {n}) p "
        "WHERE cm.user_id = $1::uuid AND (SELECT id FROM named) = $1::uuid "
        f"ORDER BY p.id DESC LIMIT {n}) "
        "UNION ALL "
        "(SELECT p.id FROM named JOIN conversations c "
        f"ON c.direct_key = {direct_key_sql('$1::uuid', 'named.id')} "
        "CROSS JOIN LATERAL ("
        f"SELECT id FROM messages WHERE conversation_id = c.id{conditions} "
        f"ORDER BY id DESC LIMIT {n}) p "
        f"WHERE named.id <> $1::uuid ORDER BY p.id DESC LIMIT {n})"
    )


class PostgresRenderedPages:
    """On the direct pool: a read of committed rows, one round trip."""

    def __init__(self, pool: DirectPool) -> None:
        self._pool = pool

    async def of_name(
        self,
        viewer: UUID,
        name: str,
        before: UUID | None,
        since: datetime,
        limit: int,
        now: datetime,
    ) -> RenderedPage | None:
        window = PageWindow([viewer, now, name])
        conditions = window.bounds(before, None, since)
        page = named_page(conditions, int(limit) + 1)
        return await self._render(page, limit, window.args)

    async def _render(self, page: str, limit: int, args: list[Any]) -> RenderedPage | None:
        rows = await self._pool.fetch(_RENDERED.format(page=page, limit=int(limit)), *args)
        found, more, last, undelivered, items = rows[0]
        if not found:
            return None
        cursor = ID_CURSORS.encode(last) if more else None
        return RenderedPage(items, cursor, tuple(undelivered or ()))
