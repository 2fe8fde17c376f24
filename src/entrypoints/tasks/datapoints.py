"""Periodic ingestion of data points: the same use case as POST /api/populate."""

import logging
from typing import Any

from dishka.integrations.taskiq import FromDishka, inject
from taskiq import AsyncBroker

from application.datapoints.populate import PopulateCommand, PopulateDataPoints
from domain.errors import UpstreamUnavailable
from entrypoints.settings import Settings

log = logging.getLogger("herald.datapoints")


@inject(patch_module=True)
async def ingest_data_points(
    populate: FromDishka[PopulateDataPoints], count: int = 1
) -> dict[str, Any]:
    try:
        report = await populate(PopulateCommand(count))
    except UpstreamUnavailable as exc:
        # The next run tries again; a failed run is a log line, not a crashed worker.
        log.warning("data ingestion failed", extra={"reason": exc.message})
        return {"error": exc.message}
    summary = {
        "fetched": report.fetched,
        "stored": report.stored,
        "duplicates": report.duplicates,
        "rejected": report.rejected_count,
    }
    log.info("data ingestion", extra=summary)
    return summary


def register(broker: AsyncBroker, settings: Settings) -> None:
    schedule: list[dict[str, Any]] = []
    if settings.data_ingest_on:
        when: dict[str, Any] = (
            {"cron": settings.datapoints.ingest_cron}
            if settings.datapoints.ingest_cron
            else {"interval": settings.datapoints.ingest_interval_seconds}
        )
        schedule.append({**when, "kwargs": {"count": settings.datapoints.ingest_count}})
    broker.register_task(
        ingest_data_points, task_name="herald.ingest_data_points", schedule=schedule
    )
