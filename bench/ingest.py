"""Ingestion throughput: points per second decoded and stored in PostgreSQL in bulk.

Runs the real use case (PopulateDataPoints) with the real SQL adapter (COPY into a staging
table + INSERT ... ON CONFLICT DO NOTHING); the upstream is replaced by pre-encoded JSON
answers of 10,000 points each, parsed with msgspec as HttpDataSource does, so what is
timed is JSON parsing + domain decoding + bulk storage + commit, not the network.

    HERALD_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test_data \
        uv run python bench/ingest.py --points 1000000 [--truncate]

It leaves the points in the table; bench/data_api.sh reads them.
"""

import argparse
import asyncio
import os
import random
import struct
import time
from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy import text

from adapters.clock import SystemClock
from adapters.http.datapoints import parse_answer
from adapters.sql.database import make_engine, make_session_factory
from adapters.sql.datapoints import PostgresDataPointRepository
from adapters.sql.migrate import upgrade
from adapters.sql.transactions import SqlTransactionManager
from application.datapoints.populate import FetchPolicy, PopulateCommand, PopulateDataPoints
from domain.datapoints import MAX_POINTS_PER_FETCH, DecodingRules
from entrypoints.settings import Settings

URL = os.environ.get(
    "HERALD_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test_data"
)


class PreEncodedSource:
    """Hands out the prepared upstream answers one by one, parsing each like HttpDataSource."""

    def __init__(self, answers: list[bytes]) -> None:
        self._answers = answers
        self._next = 0

    async def fetch(self) -> object:
        body = self._answers[self._next]
        self._next += 1
        return parse_answer(body)


def make_answers(points: int, start: datetime, span: timedelta, seed: int) -> list[bytes]:
    """`points` upstream points spread over `span` from `start`: about 1 in 7 tagged
    `system`, 1 in 13 `suspect`; values are random finite float32 bytes."""
    rng = random.Random(seed)
    step = span.total_seconds() / points
    base = start.timestamp()
    pack = struct.Struct("<f").pack
    answers, chunk = [], []
    for i in range(points):
        tags = ["system"] if i % 7 == 3 else ["suspect"] if i % 13 == 5 else []
        value = list(pack(rng.uniform(-1000, 1000)))
        chunk.append({"time": round(base + i * step, 6), "value": value, "tags": tags})
        if len(chunk) == MAX_POINTS_PER_FETCH:
            answers.append(msgspec.json.encode(chunk))
            chunk = []
    if chunk:
        answers.append(msgspec.json.encode(chunk))
    return answers


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument(
        "--fetches-per-call",
        type=int,
        default=10,
        help="answers per use-case call (one transaction)",
    )
    parser.add_argument("--truncate", action="store_true", help="empty data_points first")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="use-case calls in flight at once (each its own session), as several workers would",
    )
    parser.add_argument(
        "--upstream-concurrency",
        type=int,
        default=Settings().datapoints.upstream_concurrency,
        help="fetches in flight at once within a call (HERALD_DATA_UPSTREAM_CONCURRENCY)",
    )
    args = parser.parse_args()

    engine = make_engine(URL, pool_size=4)
    await upgrade(engine)
    async with engine.begin() as conn:
        if args.truncate:
            await conn.execute(text("TRUNCATE data_points"))
        before = (await conn.execute(text("SELECT count(*) FROM data_points"))).scalar_one()

    # Within the last max-age window, so most points are valid when ingested.
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    answers = make_answers(
        args.points, now - timedelta(minutes=50), timedelta(minutes=49), args.seed
    )
    print(
        f"prepared {args.points:,} points in {len(answers)} answers "
        f"({time.perf_counter() - t0:.1f} s, not timed)"
    )

    factory = make_session_factory(engine)
    rules = DecodingRules(max_age=timedelta(hours=1))
    totals = {"stored": 0, "rejected": 0, "duplicates": 0}

    async def pipeline(share: list[bytes]) -> None:
        source = PreEncodedSource(share)
        for first in range(0, len(share), args.fetches_per_call):
            count = min(args.fetches_per_call, len(share) - first)
            async with factory() as session:
                use_case = PopulateDataPoints(
                    source,
                    PostgresDataPointRepository(session),
                    rules,
                    SystemClock(),
                    SqlTransactionManager(session),
                    FetchPolicy(args.upstream_concurrency),
                )
                report = await use_case(PopulateCommand(count))
            totals["stored"] += report.stored
            totals["rejected"] += report.rejected_count
            totals["duplicates"] += report.duplicates

    started = time.perf_counter()
    await asyncio.gather(
        *(pipeline(answers[i :: args.concurrency]) for i in range(args.concurrency))
    )
    elapsed = time.perf_counter() - started
    stored, rejected, duplicates = totals["stored"], totals["rejected"], totals["duplicates"]

    async with engine.connect() as conn:
        after = (await conn.execute(text("SELECT count(*) FROM data_points"))).scalar_one()
    await engine.dispose()
    print(
        f"stored {stored:,} (duplicates {duplicates:,}, rejected {rejected:,}) in {elapsed:.2f} s: "
        f"{args.points / elapsed:,.0f} points/s; table {before:,} -> {after:,} rows"
    )


if __name__ == "__main__":
    asyncio.run(main())
