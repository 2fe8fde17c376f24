"""Liveness and readiness probes."""

import asyncio
import logging
from typing import Literal

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.migrate import pending

log = logging.getLogger("herald.health")

# Each check gets this long, and they run side by side: a database that accepts
# connections and never answers makes the probe say 503 in about this time, not in 60 s.
CHECK_TIMEOUT_SECONDS = 1.5

Check = Literal["ok", "unavailable", "behind"]


class ChecksOut(msgspec.Struct):
    database: Check
    broker: Check
    schema: Check


class ReadyOut(msgspec.Struct):
    status: Literal["ok", "unavailable"]
    checks: ChecksOut
    pending_migrations: list[str]


class LiveOut(msgspec.Struct):
    status: Literal["ok"]


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", summary="The process is up")
    async def live(self) -> LiveOut:
        return LiveOut("ok")

    @get(
        "/ready",
        summary="The database answers at the newest schema and the broker answers",
        description="503 when a check fails; `pending_migrations` names the revisions "
        "`herald migrate` would apply.",
        responses={
            503: ResponseSpec(data_container=ReadyOut, description="Not ready: a check failed")
        },
    )
    async def ready(
        self, engine: FromDishka[AsyncEngine], redis: FromDishka[Redis | None]
    ) -> Response[ReadyOut]:
        (database, migrations), broker = await asyncio.gather(_database(engine), _broker(redis))
        schema: Check = "ok" if not migrations else "behind"
        if database != "ok":
            schema = "unavailable"
        checks = ChecksOut(database=database, broker=broker, schema=schema)
        healthy = database == broker == schema == "ok"
        return Response(
            ReadyOut("ok" if healthy else "unavailable", checks, migrations),
            status_code=200 if healthy else 503,
        )


async def _database(engine: AsyncEngine) -> tuple[Check, list[str]]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), engine.connect() as conn:
            return "ok", await pending(conn)
    except Exception as exc:  # any failure means "not ready"; the detail goes to the log
        log.warning("readiness: database unavailable", extra={"error": repr(exc)[:300]})
        return "unavailable", []


async def _broker(redis: Redis | None) -> Check:
    if redis is None:
        return "ok"  # the in-memory broker lives in this process
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await redis.ping()
    except Exception as exc:
        log.warning("readiness: broker unavailable", extra={"error": repr(exc)[:300]})
        return "unavailable"
    return "ok"
