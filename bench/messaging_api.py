"""GET /api/messages/{user_name}?limit=50 and POST /api/messages with wrk, against Herald
in production mode (PostgreSQL + Redis), one API process by default.

The reads are measured twice, with the bench pair's conversation at `--small` messages
and then grown to `--history`, in a table of `--total` messages (the rest in filler
conversations): a page costs the same however long the history (the issue's target:
at `--history 100000`, at least 90 % of the requests/s at 1,000).

    uv run python -m bench.messaging_api [--total 1000000] [--small 1000] [--history 100000]
        [--seconds 30] [--connections 32] [--workers 1] [--pool-size 8]

Check that it runs (not a measurement):
    uv run python -m bench.messaging_api --total 3000 --small 100 --history 1000 --seconds 1
"""

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx

from bench._harness import (
    fresh_database,
    herald,
    herald_env,
    lua_request,
    serve,
    wrk,
    wrk_with_cpu,
)
from domain.ids import MonotonicIds
from domain.messaging import direct_key

PASSWORD = "bench-password-123"
ids = MonotonicIds()


def _token(base: str, username: str) -> str:
    body = {"username": username, "password": PASSWORD}
    httpx.post(f"{base}/auth/signup", json=body)
    return str(httpx.post(f"{base}/auth/login", json=body).json()["access_token"])


async def _conversation(conn: asyncpg.Connection, a: UUID, b: UUID) -> UUID:
    found = await conn.fetchval(
        "SELECT id FROM conversations WHERE direct_key = $1", direct_key(a, b)
    )
    if found is not None:
        return UUID(str(found))
    ident, now = ids(), datetime.now(UTC)
    await conn.execute(
        "INSERT INTO conversations (id, kind, direct_key, created_at, activity_id) "
        "VALUES ($1, 'direct', $2, $3, $1)",
        ident,
        direct_key(a, b),
        now,
    )
    await conn.executemany(
        "INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) "
        "VALUES ($1, $2, 'member', $3)",
        [(ident, a, now), (ident, b, now)],
    )
    return ident


async def _fill(url: str, sender: UUID, recipient: UUID, count: int) -> None:
    """`count` messages from `sender` to `recipient` over the last ten days, each with
    its receipt, by COPY."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        conversation = await _conversation(conn, sender, recipient)
        start = datetime.now(UTC) - timedelta(days=10)
        step = timedelta(days=10) / max(count, 1)
        for first in range(0, count, 50_000):
            batch = range(first, min(count, first + 50_000))
            made = [(ids(), start + step * i) for i in batch]
            await conn.copy_records_to_table(
                "messages",
                records=[
                    (m, conversation, sender, f"bench message {i}", at)
                    for i, (m, at) in zip(batch, made, strict=True)
                ],
                columns=["id", "conversation_id", "sender_id", "body", "created_at"],
            )
            await conn.copy_records_to_table(
                "message_receipts",
                records=[(recipient, conversation, m, at, at) for m, at in made],
                columns=["user_id", "conversation_id", "message_id", "delivered_at", "read_at"],
            )
        last = await conn.fetchval(
            "SELECT id FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT 1",
            conversation,
        )
        await conn.execute(
            "UPDATE conversations SET activity_id = $2 WHERE id = $1", conversation, last
        )
        await conn.execute("ANALYZE messages; ANALYZE message_receipts")
    finally:
        await conn.close()


async def _user_ids(url: str, *names: str) -> list[UUID]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT username, id FROM users WHERE username = ANY($1)", list(names)
        )
        by_name = {r["username"]: UUID(str(r["id"])) for r in rows}
        return [by_name[n] for n in names]
    finally:
        await conn.close()


def _get(base: str, token: str, path: str, args: argparse.Namespace) -> dict[str, object]:
    lua = lua_request("GET", path, {"Authorization": f"Bearer {token}"})
    wrk(base + path, lua, args.connections, 1)  # warm-up
    return wrk_with_cpu(base + path, lua, args.connections, args.seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pool-size", type=int, default=8, help="HERALD_DB_DIRECT_POOL_SIZE")
    args = parser.parse_args()
    url = fresh_database("bench_messaging")
    env = herald_env(
        url,
        6,
        access_token_ttl_seconds="3600",
        messages_send_rate_limit="1000000000",  # the bench measures sending, not the limit
        db_direct_pool_size=str(args.pool_size),
    )
    herald("migrate", env=env)
    with serve(env, 8791, args.workers) as base:
        tokens = {name: _token(base, name) for name in ("ann", "bugs", "daffy", "elmer")}
        ann, bugs, daffy, elmer = asyncio.run(_user_ids(url, "ann", "bugs", "daffy", "elmer"))
        filler = args.total - args.history
        asyncio.run(_fill(url, daffy, elmer, filler))
        asyncio.run(_fill(url, ann, bugs, args.small))
        results: dict[str, object] = {}
        for size in (args.small, args.history):
            if size > args.small:
                asyncio.run(_fill(url, ann, bugs, size - args.small))
            results[f"GET with {size} in the conversation"] = {
                "other name (the conversation)": _get(
                    base, tokens["ann"], "/api/messages/bugs?limit=50", args
                ),
                "own name (everything)": _get(
                    base, tokens["ann"], "/api/messages/ann?limit=50", args
                ),
            }
        body = json.dumps({"recipient_user_name": "bugs", "body": "What's up, doc? \U0001f955"})
        headers = {"Authorization": f"Bearer {tokens['ann']}", "Content-Type": "application/json"}
        lua = lua_request("POST", "/api/messages", headers, body)
        wrk(base + "/api/messages", lua, args.connections, 1)
        results["POST /api/messages"] = wrk_with_cpu(
            base + "/api/messages", lua, args.connections, args.seconds
        )
    print(json.dumps({"args": vars(args), "results": results}, indent=2))


if __name__ == "__main__":
    main()
