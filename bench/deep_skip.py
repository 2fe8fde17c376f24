"""GET /api/data with a deep `skip`, 32 connections (wrk), against a production-mode Herald
(PostgreSQL + Redis, one API process) and, when given, an already running seed 004 instance
serving the same points: rounds of one run per case, Herald and seed alternating, then the
median of each case.

    uv run python bench/deep_skip.py [--rounds 5] [--seconds 20] \\
        [--seed-url http://127.0.0.1:8904 --seed-token TOKEN [--seed-admin-token TOKEN]]

Herald's table (HERALD_DATABASE_URL, default database test_data; HERALD_BROKER_URL, default
Redis database 1) is filled to --points with bench/ingest.py when it holds fewer, then
VACUUM ANALYZEd. The seed is only called:
it must already run, on the same points, with a user's (and an admin's) access token.
`--extra LABEL URL TOKEN` adds any other running instance to the user rounds (Herald
before a change, say, on its own copy of the points).
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys

import httpx
from _harness import ROOT, herald, herald_env, lua_request, serve, wrk

PORT = 8776
PASSWORD = "bench-password-123"


def prepare(env: dict[str, str], points: int) -> None:
    herald("migrate", env=env)
    dsn = env["HERALD_DATABASE_URL"].replace("+asyncpg", "")
    count = "SELECT count(*) FROM data_points"
    rows = int(
        subprocess.run(
            ["psql", dsn, "-Atc", count], check=True, capture_output=True, text=True
        ).stdout
    )
    if rows < points:
        subprocess.run(
            [sys.executable, str(ROOT / "bench/ingest.py"), "--points", str(points - rows)],
            env=env,
            check=True,
        )
    # What autovacuum does in time: the visibility map that index-only scans rely on.
    subprocess.run(["psql", dsn, "-qc", "VACUUM ANALYZE data_points"], check=True)
    with contextlib.suppress(subprocess.CalledProcessError):  # made by an earlier run
        herald("create-admin", "--username", "bench-admin", env=env, stdin=PASSWORD + "\n")


def login(base: str, username: str) -> str:
    body = {"username": username, "password": PASSWORD}
    if username != "bench-admin":
        httpx.post(f"{base}/auth/signup", json=body)  # 409 when it exists already
    answer = httpx.post(f"{base}/auth/login", json=body)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip", type=int, default=500_000)
    parser.add_argument("--invalid-skip", type=int, default=100_000, help="for valid=false")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed-url")
    parser.add_argument("--seed-token")
    parser.add_argument("--seed-admin-token")
    parser.add_argument("--only", action="append", help="cases whose name holds this text")
    parser.add_argument(
        "--extra", nargs=3, action="append", default=[], metavar=("LABEL", "URL", "TOKEN")
    )
    args = parser.parse_args()

    url = os.environ.get(
        "HERALD_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test_data"
    )
    env = herald_env(url, 1, access_token_ttl_seconds="86400", data_ingest_enabled="false")
    env["HERALD_BROKER_URL"] = os.environ.get("HERALD_BROKER_URL", env["HERALD_BROKER_URL"])
    prepare(env, args.points)

    page = f"/api/data?skip={args.skip}&limit=100"
    with serve(env, PORT, workers=1) as base:
        user, admin = login(base, "bench-user"), login(base, "bench-admin")
        cases = [("Herald, user (valid points)", base, page, user)]
        cases += [(f"{label}, user (valid points)", u, page, t) for label, u, t in args.extra]
        if args.seed_url and args.seed_token:
            cases.append(("seed 004, user (valid points)", args.seed_url, page, args.seed_token))
        cases.append(("Herald, admin (all points)", base, page, admin))
        if args.seed_url and args.seed_admin_token:
            cases.append(
                ("seed 004, admin (all points)", args.seed_url, page, args.seed_admin_token)
            )
        cases += [
            ("Herald, admin, valid=true", base, f"{page}&valid=true", admin),
            (
                "Herald, admin, valid=false",
                base,
                f"/api/data?valid=false&skip={args.invalid_skip}&limit=100",
                admin,
            ),
        ]
        if args.only:
            cases = [c for c in cases if any(text in c[0] for text in args.only)]
        for _, target, path, token in cases:  # each answers a full page before it is timed
            answer = httpx.get(
                target + path, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
            answer.raise_for_status()
            got = answer.json()
            items = got["items"] if isinstance(got, dict) else got
            assert len(items) == 100, f"{target}{path} answered {len(items)} points"
            wrk(
                target,
                lua_request("GET", path, {"Authorization": f"Bearer {token}"}),
                args.connections,
                3,
                30,
            )

        results: dict[str, list[dict[str, float]]] = {name: [] for name, *_ in cases}
        for round_ in range(1, args.rounds + 1):
            for name, target, path, token in cases:
                lua = lua_request("GET", path, {"Authorization": f"Bearer {token}"})
                run = wrk(target, lua, args.connections, args.seconds, timeout_seconds=30)
                results[name].append(run)
                print(
                    f"round {round_}, load {os.getloadavg()[0]:.1f}: {name}: "
                    f"{run['requests_per_second']:.1f} requests/s, "
                    f"p50 {run['p50_ms']:.0f} ms, p99 {run['p99_ms']:.0f} ms, "
                    f"non-2xx {run['non_2xx']:.0f}, timeouts {run['timeouts']:.0f}",
                    flush=True,
                )

    print(
        f"\nGET {page} (valid=false: skip={args.invalid_skip}), {args.connections} connections, "
        f"{args.seconds} s runs, medians of {args.rounds}\n"
    )
    print("| case | requests/s | p50 | p99 | runs (requests/s) |\n|---|---|---|---|---|")
    for name, runs in results.items():
        rate = statistics.median(r["requests_per_second"] for r in runs)
        p50 = statistics.median(r["p50_ms"] for r in runs)
        p99 = statistics.median(r["p99_ms"] for r in runs)
        each = " / ".join(f"{r['requests_per_second']:.1f}" for r in runs)
        print(f"| {name} | {rate:.1f} | {p50:.0f} ms | {p99:.0f} ms | {each} |")


if __name__ == "__main__":
    main()
