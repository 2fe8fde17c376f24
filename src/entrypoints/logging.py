"""Log lines through structlog: readable on a terminal, JSON lines otherwise.

The code logs through the standard library (`logging.getLogger(...).info(msg, extra=...)`,
as do uvicorn and taskiq); structlog's ProcessorFormatter renders those records, extras
as keys. Each line written while serving a request or running a task carries its id.
"""

import json
import logging
import sys
from contextvars import ContextVar
from typing import Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

LogFormat = Literal["auto", "console", "json"]

# The id on every log line: the request's (set by the request-context middleware) or
# "task-<task id>" (set by the task log context).
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def _add_request_id(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    if (request_id := request_id_var.get()) is not None:
        event_dict["request_id"] = request_id
    return event_dict


def _drop_color_message(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    event_dict.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
    return event_dict


def _exception_as_exc_info(
    _logger: WrappedLogger, _method: str, event_dict: EventDict
) -> EventDict:
    # format_exc_info writes "exception"; JSON lines have always called it "exc_info".
    if "exception" in event_dict:
        event_dict["exc_info"] = event_dict.pop("exception")
    return event_dict


# The keys of the JSON lines, in this order: time, level, logger, message, request_id, extras.
_SHARED: list[Processor] = [
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.EventRenamer("message"),
    _add_request_id,
    structlog.stdlib.ExtraAdder(),
    _drop_color_message,
]


def _renderers(console: bool, colors: bool) -> list[Processor]:
    if console:
        return [
            structlog.dev.ConsoleRenderer(
                colors=colors,
                timestamp_key="time",
                event_key="message",
                # No locals: they may hold secrets (settings, passwords being checked).
                exception_formatter=structlog.dev.plain_traceback,
            )
        ]
    return [
        structlog.processors.format_exc_info,
        _exception_as_exc_info,
        structlog.processors.JSONRenderer(json.dumps, default=str),
    ]


def configure_logging(
    level: str, log_format: LogFormat = "auto", stream: TextIO | None = None
) -> None:
    """Send every log record to `stream` (stderr): console lines if it is a terminal (or
    `log_format` says so), JSON lines otherwise."""
    stream = stream or sys.stderr
    tty = stream.isatty()
    console = log_format == "console" or (log_format == "auto" and tty)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_renderers(console, colors=tty),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "taskiq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs each request
