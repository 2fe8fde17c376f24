"""A liveness signal for processes that serve no HTTP (`herald worker`, `herald scheduler`):
the process touches a file from its event loop, and a healthcheck reads the file's age.

Containers run the check as `python -m entrypoints.heartbeat --heartbeat PATH`: standard
library only (~0.06 s of CPU), where `herald healthcheck` first imports the whole app (~1.6 s).
"""

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

DEFAULT_MAX_AGE_SECONDS = 30.0


class HeartbeatError(Exception):
    """The heartbeat file cannot be written; the message says which and why."""


def _touch(file: Path) -> None:
    # On the event loop itself, not in a thread: the point is that the loop gets round to
    # it. A touch is a metadata write of microseconds.
    file.touch()


async def _beat(file: Path, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        _touch(file)


@contextlib.asynccontextmanager
async def heartbeat(path: str | None, interval: float) -> AsyncIterator[None]:
    """While the block runs, touch `path` every `interval` seconds; a stuck event loop stops
    touching it. The file is removed on the way out: a stopped process is not alive."""
    if path is None:
        yield
        return
    file = Path(path)
    try:
        _touch(file)  # now, so that a path that cannot be written fails the start
    except OSError as exc:
        raise HeartbeatError(f"cannot write the heartbeat file {path}: {exc.strerror}") from exc
    task = asyncio.create_task(_beat(file, interval), name="heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        file.unlink(missing_ok=True)  # noqa: ASYNC240 - once, at exit


def check(path: Path, max_age: float, now: float | None = None) -> str | None:
    """None when `path` was touched within `max_age` seconds, else what is wrong."""
    try:
        touched = path.stat().st_mtime
    except FileNotFoundError:
        return f"no heartbeat file {path}: the process has not started or has stopped"
    age = (time.time() if now is None else now) - touched
    if age > max_age:
        return f"heartbeat {path} is {age:.1f} s old (limit {max_age:g} s): the process is stuck"
    return None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--heartbeat", type=Path, required=True, metavar="PATH", help="the heartbeat file"
    )
    parser.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE_SECONDS,
        help=f"seconds after which a heartbeat is stale (default {DEFAULT_MAX_AGE_SECONDS:g})",
    )


def run(args: argparse.Namespace) -> int:
    """Exit status of a healthcheck: 0 when the heartbeat is fresh, 1 with a message if not."""
    problem = check(args.heartbeat, args.max_age)
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m entrypoints.heartbeat", description="healthcheck on a heartbeat file"
    )
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
