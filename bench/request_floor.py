"""What a request costs at least, one API process, PostgreSQL and Redis, wrk at 32
connections, with each part's CPU: `GET /health/live` (the framework alone: no
authentication, no database); `GET /me` (the caller's session on the direct pool, then
its MFA status through the ORM session, so it also shows how the engine's pool serves
more requests than connections); and `GET /api/messages/bugs?limit=50` between two users
who have exchanged nothing: the message read's whole path through the API (token,
session, use case, the page's one statement, the answer) with a statement that finds no
rows, the floor under issue 15's reads.

    uv run python -m bench.request_floor [--runs 2] [--seconds 8] [--connections 32]
        [--pool-size 20]
"""

import argparse
import json

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

PASSWORD = "bench-password-123"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pool-size", type=int, default=20, help="HERALD_DB_POOL_SIZE")
    args = parser.parse_args()
    url = fresh_database("bench_request_floor")
    env = herald_env(url, 7, access_token_ttl_seconds="3600", db_pool_size=str(args.pool_size))
    herald("migrate", env=env)
    with serve(env, 8793, 1) as base:
        for name in ("ann", "bugs"):
            body = {"username": name, "password": PASSWORD}
            httpx.post(f"{base}/auth/signup", json=body)
        body = {"username": "ann", "password": PASSWORD}
        token = httpx.post(f"{base}/auth/login", json=body).json()["access_token"]
        signed_in = {"Authorization": f"Bearer {token}"}
        for path, headers in (
            ("/health/live", {}),
            ("/me", signed_in),
            ("/api/messages/bugs?limit=50", signed_in),
        ):
            lua = lua_request("GET", path, headers)
            wrk(base + path, lua, args.connections, 3)  # warm-up
            for _ in range(args.runs):
                result = wrk_with_cpu(base + path, lua, args.connections, args.seconds)
                print(json.dumps({"path": path, **result}), flush=True)


if __name__ == "__main__":
    main()
