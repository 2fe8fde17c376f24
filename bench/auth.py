"""Login and GET /me throughput and p99 at 16 concurrent connections (wrk), against a
production-mode Herald (PostgreSQL + Redis, 2 API processes, default argon2id cost).

    uv run python bench/auth.py [--seconds 15] [--workers 2]

The login rate limit is raised for the run: the benchmark logs one user in thousands of
times, which is exactly what the limiter exists to stop.
"""

import argparse
import json

import httpx
from _harness import fresh_database, herald, herald_env, lua_request, serve, wrk

PORT = 8765


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    env = herald_env(fresh_database("herald_bench_auth"), 6, login_rate_limit="100000000")
    herald("migrate", env=env)
    with serve(env, PORT, args.workers) as base:
        creds = {"username": "bench", "password": "bench-password-1"}
        httpx.post(f"{base}/auth/signup", json=creds).raise_for_status()
        token = httpx.post(f"{base}/auth/login", json=creds).json()["access_token"]
        login = wrk(
            base,
            lua_request(
                "POST", "/auth/login", {"Content-Type": "application/json"}, json.dumps(creds)
            ),
            args.connections,
            args.seconds,
        )
        me = wrk(
            base,
            lua_request("GET", "/me", {"Authorization": f"Bearer {token}"}),
            args.connections,
            args.seconds,
        )
    print(
        json.dumps(
            {
                "connections": args.connections,
                "api_workers": args.workers,
                "login": login,
                "me": me,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
