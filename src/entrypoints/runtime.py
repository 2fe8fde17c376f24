"""Assembling a running API process: settings, container, broker and their lifecycle."""

import asyncio
import logging
from typing import Any

from dishka import AsyncContainer
from litestar import Litestar
from taskiq import AsyncBroker
from taskiq.api import run_scheduler_task

from application.tickets.prepare_staff_topics import PrepareStaffTopics
from entrypoints import embedded
from entrypoints.error_reporting import start_error_reporting, watch_event_loop
from entrypoints.gc_tuning import tune_collector
from entrypoints.http.app import create_app
from entrypoints.ioc import make_container
from entrypoints.logging import configure_logging
from entrypoints.settings import Settings
from entrypoints.tasks.fanouts import run_fanout_recovery
from entrypoints.tasks.notifications import run_dispatcher
from entrypoints.tasks.scheduler import make_scheduler

log = logging.getLogger("herald")


def load_settings() -> Settings:
    settings = Settings.from_env()
    configure_logging(settings.logging.level, settings.logging.format)
    start_error_reporting(settings.error_reporting)
    return embedded.with_local_secret(settings) if settings.mode.embedded else settings


def warn_about_open_doors(settings: Settings) -> None:
    """Say once, at start, what production mode refuses or leaves open for lack of a setting."""
    if not settings.mode.embedded and not settings.sendgrid.webhook_public_key:
        log.warning(
            "SendGrid's event webhook refuses every event until "
            "HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY is set"
        )


def build_api(settings: Settings) -> Litestar:
    warn_about_open_doors(settings)
    container = make_container(settings)
    background: list[asyncio.Task[None]] = []

    async def start() -> None:
        watch_event_loop()
        if settings.mode.embedded:
            password = await embedded.prepare(container)
            if password:
                print(
                    f"Herald: created admin login '{embedded.ADMIN_USERNAME}' with password "
                    f"{password}\n        (shown only this once; "
                    "add admins with `herald create-admin`).",
                    flush=True,
                )
        await _prepare_staff_topics(container)
        broker = await container.get(AsyncBroker)
        await broker.startup()
        if settings.mode.embedded:  # the in-memory broker runs tasks itself; add the scheduler
            background.append(asyncio.create_task(run_scheduler_task(make_scheduler(broker))))
            background.append(asyncio.create_task(run_dispatcher(container, broker)))
            background.append(asyncio.create_task(run_fanout_recovery(container)))
        tune_collector()

    async def stop() -> None:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await (await container.get(AsyncBroker)).shutdown()
        await container.close()

    app = create_app(settings, container)
    app.on_startup.append(start)
    app.on_shutdown.append(stop)
    return app


async def _prepare_staff_topics(container: AsyncContainer) -> None:
    """The tickets' staff topics, made if missing, so agents can subscribe before the
    first ticket; a failure (a database not migrated yet) is logged, and the topics are
    made with the first ticket instead."""
    try:
        async with container() as request:
            if made := await (await request.get(PrepareStaffTopics))():
                log.info("made the staff topics %s", ", ".join(made))
    except Exception:
        log.warning("could not make the tickets' staff topics yet", exc_info=True)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's handling of X-Forwarded-For/-Proto: off unless HERALD_TRUSTED_PROXIES names
    the proxies. uvicorn's own default trusts 127.0.0.1, which let any local process (or a
    proxy that passes the header on unchecked) pick the client address the login limits
    are keyed on."""
    proxies = settings.http.proxies
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}


def asgi() -> Litestar:
    """Factory for `uvicorn --factory` (used by `herald serve --workers N`)."""
    return build_api(load_settings())
