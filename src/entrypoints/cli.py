"""The `herald` command: serve, worker, scheduler, migrate, create-admin, reset-password,
healthcheck."""

import argparse
import asyncio
import contextlib
import getpass
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine
from importlib.metadata import version
from typing import Any

import msgspec
import uvicorn
import uvloop
from dishka import AsyncContainer
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker
from taskiq.api import run_receiver_task, run_scheduler_task

from adapters.sql.migrate import upgrade
from application.accounts.reset_password import ResetPassword, ResetPasswordCommand
from application.accounts.sign_up import CreateAdmin, SignUpCommand
from domain.errors import DomainError
from entrypoints import heartbeat
from entrypoints.api_processes import AnnouncingServer, banner, listen, serve_processes
from entrypoints.error_reporting import watch_event_loop
from entrypoints.gc_tuning import tune_collector
from entrypoints.ioc import make_container
from entrypoints.metrics_server import serve_metrics, warn_when_open
from entrypoints.runtime import build_api, load_settings, proxy_options
from entrypoints.scrape import Scrape
from entrypoints.settings import Settings, SettingsError
from entrypoints.tasks.fanouts import run_fanout_recovery
from entrypoints.tasks.notifications import run_dispatcher, warm_up
from entrypoints.tasks.scheduler import make_scheduler

log = logging.getLogger("herald")


async def _serve(settings: Settings, sock: socket.socket, host: str, port: int) -> None:
    config = uvicorn.Config(
        build_api(settings), log_config=None, access_log=False, **proxy_options(settings)
    )
    server = AnnouncingServer(config, lambda: print(banner(host, port), flush=True))
    await server.serve(sockets=[sock])


def _heartbeat(settings: Settings) -> contextlib.AbstractAsyncContextManager[None]:
    return heartbeat.heartbeat(settings.heartbeat.file, settings.heartbeat.interval_seconds)


async def _worker(settings: Settings, concurrency: int) -> None:
    watch_event_loop()
    container = make_container(settings)
    stop_metrics = await serve_metrics(settings.metrics, await container.get(Scrape))
    broker = await container.get(AsyncBroker)
    await broker.startup()
    await warm_up(container)
    tune_collector()
    log.info("worker started", extra={"concurrency": concurrency})
    try:
        async with _heartbeat(settings):
            await run_receiver_task(broker, max_async_tasks=concurrency, run_startup=False)
    finally:
        await broker.shutdown()
        await stop_metrics()
        await container.close()


async def _scheduler(settings: Settings) -> None:
    watch_event_loop()
    container = make_container(settings)
    stop_metrics = await serve_metrics(settings.metrics, await container.get(Scrape))
    broker = await container.get(AsyncBroker)
    await broker.startup()
    tune_collector()
    log.info("scheduler started")
    try:
        async with _heartbeat(settings):
            # Taskiq's scheduler for cron jobs; the dispatcher loop for timed sends; the
            # recovery sweep of fan-outs' expansions.
            await asyncio.gather(
                run_scheduler_task(make_scheduler(broker)),
                run_dispatcher(container, broker),
                run_fanout_recovery(container),
            )
    finally:
        await broker.shutdown()
        await stop_metrics()
        await container.close()


async def _migrate(settings: Settings) -> None:
    container = make_container(settings)
    try:
        await upgrade(await container.get(AsyncEngine))
    finally:
        await container.close()


async def _account_command(
    settings: Settings, act: Callable[[AsyncContainer], Awaitable[str]]
) -> None:
    """Run `act` in one request scope (on a migrated database in the embedded default,
    which may not have started yet) and print what it says."""
    container: AsyncContainer = make_container(settings)
    try:
        if settings.mode.embedded:
            await upgrade(await container.get(AsyncEngine))
        async with container() as request:
            print(await act(request))
    finally:
        await container.close()


async def _create_admin(settings: Settings, username: str, password: str) -> None:
    async def create(request: AsyncContainer) -> str:
        user = await (await request.get(CreateAdmin))(SignUpCommand(username, password))
        return f"created admin '{user.username}' ({user.id})"

    await _account_command(settings, create)


async def _reset_password(settings: Settings, username: str, password: str) -> None:
    async def reset(request: AsyncContainer) -> str:
        user = await (await request.get(ResetPassword))(ResetPasswordCommand(username, password))
        return f"new password set for '{user.username}'; its sessions were ended"

    await _account_command(settings, reset)


def _run(main: Coroutine[Any, Any, None]) -> None:
    # uvloop, as `uvicorn --workers` picks it: socket I/O dominates the request cost.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise SystemExit("herald: the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="herald", description=__doc__)
    parser.add_argument("--version", action="version", version=f"herald {version('herald')}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the API (embedded default: worker and scheduler too)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="API processes (production mode)")
    worker = commands.add_parser("worker", help="run a Taskiq worker (needs HERALD_BROKER_URL)")
    worker.add_argument("--concurrency", type=int, default=200)
    commands.add_parser("scheduler", help="run the scheduler; exactly one per deployment")
    commands.add_parser("migrate", help="upgrade the database schema to the newest version")
    admin = commands.add_parser(
        "create-admin", help="create an admin; password from a prompt or stdin"
    )
    admin.add_argument("--username", required=True)
    reset = commands.add_parser(
        "reset-password", help="set a new password for an account; from a prompt or stdin"
    )
    reset.add_argument("--username", required=True)
    check = commands.add_parser(
        "healthcheck",
        help="exit 0 if a worker's or scheduler's heartbeat file is fresh, 1 if not "
        "(containers run `python -m entrypoints.heartbeat`, the same check without the app)",
    )
    heartbeat.add_arguments(check)
    args = parser.parse_args(argv)
    if args.command == "healthcheck":  # reads a file: needs no settings
        raise SystemExit(heartbeat.run(args))

    # The port first: a taken one must stop `serve` before the embedded default generates
    # its secret, migrates or makes (and prints) its admin.
    sock = listen(args.host, args.port) if args.command == "serve" and args.workers == 1 else None
    try:
        settings = load_settings()
        if args.command in ("worker", "scheduler") and settings.mode.embedded:
            raise SettingsError(
                f"`herald {args.command}` needs HERALD_BROKER_URL=redis://...; in the embedded "
                "default `herald serve` runs it in-process"
            )
        warn_when_open(settings, args.command)
        match args.command:
            case "serve" if args.workers > 1:
                if settings.mode.embedded:
                    raise SettingsError("--workers needs production mode (HERALD_BROKER_URL)")
                serve_processes(args.host, args.port, args.workers, settings.http.proxies)
            case "serve":
                assert sock is not None
                _run(_serve(settings, sock, args.host, args.port))
            case "worker":
                _run(_worker(settings, args.concurrency))
            case "scheduler":
                _run(_scheduler(settings))
            case "migrate":
                # Building an index on a big table may take longer than any request may.
                no_timeout = msgspec.structs.replace(settings.database, statement_timeout_seconds=0)
                _run(_migrate(msgspec.structs.replace(settings, database=no_timeout)))
            case "create-admin":
                _run(_create_admin(settings, args.username, _read_password()))
            case "reset-password":
                _run(_reset_password(settings, args.username, _read_password()))
    except (SettingsError, heartbeat.HeartbeatError) as exc:
        raise SystemExit(f"herald: {exc}") from None
    except DomainError as exc:
        raise SystemExit(f"herald: {exc.message}") from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
