"""Listening for `herald serve`: the port is taken before anything else happens, and the
banner is printed once every process listens.

`--workers N` runs N API processes, each with its own listening socket on the same port
(SO_REUSEPORT), so that the kernel spreads new connections evenly over them. Uvicorn's
own `--workers` shares one socket, and the first process to wake up accepts a whole
burst: under wrk, all 32 keep-alive connections landed on one of two processes, and
throughput swung between 364 and 1,147 requests/s from run to run.

A scrape reaches one process, so the processes keep their metrics in the files of
prometheus_client's multiprocess mode, in a fresh directory made here: the variable that
names it must be set before prometheus_client is imported in each process.
"""

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from types import FrameType

import uvicorn
from prometheus_client import multiprocess

from entrypoints.runtime import asgi
from entrypoints.scrape import MULTIPROC_DIR_VARIABLE

log = logging.getLogger("herald")

_RESTART_PAUSE_SECONDS = 1.0
_STOP_GRACE_SECONDS = 15.0


def banner(host: str, port: int) -> str:
    return f"Herald: API on http://{host}:{port}  docs on http://{host}:{port}/docs"


class AnnouncingServer(uvicorn.Server):
    """Calls `on_listening` once the server accepts connections, never before."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_listening()


def listen(host: str, port: int) -> socket.socket:
    """The listening socket of a single API process, taken before the app starts (and the
    embedded default migrates and makes its admin): a taken port stops `herald serve`
    before anything is created or printed."""
    try:
        return _listening_socket(host, port, reuse_port=False)
    except OSError as exc:
        raise SystemExit(f"herald: cannot listen on {host}:{port}: {exc.strerror}") from None


def serve_processes(host: str, port: int, count: int, proxies: list[str]) -> None:
    """Run `count` API processes until SIGINT or SIGTERM; a process that dies is started
    again. `proxies`: the trusted reverse proxies (HERALD_TRUSTED_PROXIES)."""
    listen(host, port).close()  # SO_REUSEPORT would let a second Herald share it silently
    metrics_dir = tempfile.mkdtemp(prefix="herald-metrics-")
    os.environ[MULTIPROC_DIR_VARIABLE] = metrics_dir  # inherited by the spawned processes
    try:
        _supervise(host, port, count, proxies, metrics_dir)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _supervise(host: str, port: int, count: int, proxies: list[str], metrics_dir: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    listening = [spawn.Event() for _ in range(count)]
    processes = [_start(spawn, host, port, proxies, ready) for ready in listening]
    stop = threading.Event()
    announced = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    while not stop.wait(_RESTART_PAUSE_SECONDS):
        if not announced and all(ready.is_set() for ready in listening):
            print(banner(host, port), flush=True)
            announced = True
        for i, process in enumerate(processes):
            if not process.is_alive():
                log.warning(
                    "API process %s exited (%s); starting another", process.pid, process.exitcode
                )
                # Its counters stay in the sums; its share of the live gauges goes.
                multiprocess.mark_process_dead(process.pid, metrics_dir)
                processes[i] = _start(spawn, host, port, proxies, listening[i])
    for process in processes:
        process.terminate()  # SIGTERM: uvicorn finishes in-flight requests, then stops
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()


def _start(
    spawn: multiprocessing.context.SpawnContext,
    host: str,
    port: int,
    proxies: list[str],
    ready: Event,
) -> BaseProcess:
    process = spawn.Process(target=_api_process, args=(host, port, proxies, ready), daemon=False)
    process.start()
    return process


def _api_process(host: str, port: int, proxies: list[str], ready: Event) -> None:
    # Each process builds its own app (settings, container, pools) from the environment.
    config = uvicorn.Config(
        asgi,
        factory=True,
        log_config=None,
        access_log=False,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )
    server = AnnouncingServer(config, ready.set)
    server.run(sockets=[_listening_socket(host, port, reuse_port=True)])


def _listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
