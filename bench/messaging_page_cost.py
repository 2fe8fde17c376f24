"""What one page of 50 messages costs PostgreSQL's own process: the rendered page
(`PostgresRenderedPages`, the JSON the API sends) against the page as rows
(`PostgresMessageRepository`, what the API turned into JSON before), on one connection
(docs/benchmarks.md, section 18).

    uv run python -m bench.messaging_page_cost [--statements 1000] [--messages 1000]

Each statement runs `--statements` times after a warm-up, three times, alternating; the
figures are the server process's CPU a statement (utime + stime from
/proc/<backend pid>/stat, so PostgreSQL must run on this machine and be readable) and the
wall time a statement. Uses its own database, bench_page_cost, on the test server.
"""

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg

from adapters.sql.messaging_pages_postgres import _RENDERED, named_page
from adapters.sql.messaging_postgres import _PAGE
from bench._harness import fresh_database, herald, herald_env
from bench.messaging_api import _conversation, _fill

LIMIT = 50
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def _time(conn: asyncpg.Connection, sql: str, args: tuple[Any, ...], n: int) -> str:
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    for _ in range(20):
        await conn.fetch(sql, *args)
    started, cpu = time.perf_counter(), _cpu_seconds(pid)
    for _ in range(n):
        await conn.fetch(sql, *args)
    wall = (time.perf_counter() - started) / n * 1000
    return f"server CPU {(_cpu_seconds(pid) - cpu) / n * 1000:.3f} ms, wall {wall:.3f} ms"


async def _users(conn: asyncpg.Connection, *names: str) -> list[Any]:
    made = []
    for name in names:
        ident = uuid4()
        await conn.execute(
            "INSERT INTO users (id, username, password_hash, role, created_at, disabled) "
            "VALUES ($1, $2, 'x', 'user', now(), false)",
            ident,
            name,
        )
        made.append(ident)
    return made


async def _run(url: str, args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        ann, bugs = await _users(conn, "ann", "bugs")
        await _fill(url, ann, bugs, args.messages)
        conversation = await _conversation(conn, ann, bugs)
        now = datetime.now(UTC)
        since = now - timedelta(days=30)
        ids = (
            f"SELECT id FROM messages WHERE conversation_id = $3::uuid "
            f"AND created_at >= $4::timestamptz ORDER BY id DESC LIMIT {LIMIT + 1}"
        )
        # As PostgresRenderedPages.of_name reads bugs' page of ann: the name found, then
        # the pair's conversation.
        page = named_page(" AND created_at >= $4::timestamptz", LIMIT + 1)
        rendered = _RENDERED.format(page=page, limit=LIMIT)
        rows = _PAGE.format(page=ids.replace("$3", "$1").replace("$4", "$2"), order="DESC")
        for _ in range(3):
            print(
                "rendered:",
                await _time(conn, rendered, (bugs, now, "ann", since), args.statements),
            )
            print("rows:    ", await _time(conn, rows, (conversation, since), args.statements))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    url = fresh_database("bench_page_cost")
    herald("migrate", env=herald_env(url, 7))
    asyncio.run(_run(url, args))


if __name__ == "__main__":
    main()
