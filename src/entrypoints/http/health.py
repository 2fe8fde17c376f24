"""Liveness and readiness probes."""

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, get
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="The database and the broker answer (503 when not)")
    async def ready(
        self, engine: FromDishka[AsyncEngine], redis: FromDishka[Redis | None]
    ) -> Response[dict[str, Any]]:
        checks = {"database": await _database(engine), "broker": await _broker(redis)}
        healthy = all(v == "ok" for v in checks.values())
        return Response(
            {"status": "ok" if healthy else "unavailable", "checks": checks},
            status_code=200 if healthy else 503,
        )


async def _database(engine: AsyncEngine) -> str:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"; the detail goes to the log, not out
        return "unavailable"
    return "ok"


async def _broker(redis: Redis | None) -> str:
    if redis is None:
        return "ok"  # the in-memory broker lives in this process
    try:
        await redis.ping()
    except Exception:
        return "unavailable"
    return "ok"
