"""`herald serve --workers N`: N API processes, each with its own listening socket on the
same port (SO_REUSEPORT), so that the kernel spreads new connections evenly over them.

Uvicorn's own `--workers` shares one socket, and the first process to wake up accepts a
whole burst: under wrk, all 32 keep-alive connections landed on one of two processes,
and throughput swung between 364 and 1,147 requests/s from run to run.

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
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from prometheus_client import multiprocess

from entrypoints.runtime import asgi
from entrypoints.scrape import MULTIPROC_DIR_VARIABLE

log = logging.getLogger("herald")

_RESTART_PAUSE_SECONDS = 1.0
_STOP_GRACE_SECONDS = 15.0


def serve_processes(host: str, port: int, count: int) -> None:
    """Run `count` API processes until SIGINT or SIGTERM; a process that dies is started
    again."""
    _refuse_taken_port(host, port)
    metrics_dir = tempfile.mkdtemp(prefix="herald-metrics-")
    os.environ[MULTIPROC_DIR_VARIABLE] = metrics_dir  # inherited by the spawned processes
    try:
        _supervise(host, port, count, metrics_dir)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _supervise(host: str, port: int, count: int, metrics_dir: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    processes = [_start(spawn, host, port) for _ in range(count)]
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    while not stop.wait(_RESTART_PAUSE_SECONDS):
        for i, process in enumerate(processes):
            if not process.is_alive():
                log.warning(
                    "API process %s exited (%s); starting another", process.pid, process.exitcode
                )
                # Its counters stay in the sums; its share of the live gauges goes.
                multiprocess.mark_process_dead(process.pid, metrics_dir)  # type: ignore[no-untyped-call]
                processes[i] = _start(spawn, host, port)
    for process in processes:
        process.terminate()  # SIGTERM: uvicorn finishes in-flight requests, then stops
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()


def _start(spawn: multiprocessing.context.SpawnContext, host: str, port: int) -> BaseProcess:
    process = spawn.Process(target=_api_process, args=(host, port), daemon=False)
    process.start()
    return process


def _api_process(host: str, port: int) -> None:
    # Each process builds its own app (settings, container, pools) from the environment.
    config = uvicorn.Config(asgi, factory=True, log_config=None, access_log=False)
    uvicorn.Server(config).run(sockets=[_listening_socket(host, port, reuse_port=True)])


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


def _refuse_taken_port(host: str, port: int) -> None:
    # SO_REUSEPORT would let a second Herald share the port silently; a plain bind first
    # fails loudly, as a single process would.
    try:
        _listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        raise SystemExit(f"herald: cannot listen on {host}:{port}: {exc.strerror}") from None
