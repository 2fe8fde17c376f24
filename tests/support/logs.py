"""Herald's log configuration writing into memory, undone afterwards."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from entrypoints.logging import LogFormat, configure_logging

_TOUCHED = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "taskiq")


class Captured(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def lines(self) -> list[str]:
        return self.getvalue().splitlines()

    def records(self) -> list[dict[str, Any]]:
        """The JSON lines, parsed."""
        return [json.loads(line) for line in self.lines()]


@contextmanager
def captured_logs(log_format: LogFormat = "json", *, tty: bool = False) -> Iterator[Captured]:
    loggers = [logging.getLogger(name) for name in _TOUCHED]
    saved = [(lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    stream = Captured(tty)
    configure_logging("INFO", log_format, stream)
    try:
        yield stream
    finally:
        for lg, (handlers, level, propagate, disabled) in zip(loggers, saved, strict=True):
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate, lg.disabled = propagate, disabled
