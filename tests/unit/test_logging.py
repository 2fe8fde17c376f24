"""Log lines: JSON lines for machines, readable lines on a terminal, the same call sites."""

import json
import logging
from datetime import UTC, datetime
from uuid import UUID

import pytest

from adapters.console.notifications import DevOutbox, OutboxEntry
from entrypoints.logging import request_id_var
from entrypoints.settings import Settings, SettingsError
from tests.support.logs import captured_logs

log = logging.getLogger("herald.test")


def _log_a_request_and_a_failure() -> None:
    token = request_id_var.set("req-42")
    try:
        log.info(
            "request %s",
            "done",
            extra={"status": 200, "id": UUID(int=7), "color_message": "\x1b[32mdone\x1b[0m"},
        )
        try:
            raise KeyError("missing")
        except KeyError:
            log.exception("it broke")
    finally:
        request_id_var.reset(token)


def test_json_lines_keep_their_keys() -> None:
    with captured_logs("json") as logs:
        _log_a_request_and_a_failure()
        log.warning("outside any request")
    info, error, outside = logs.records()
    assert list(info) == ["time", "level", "logger", "message", "request_id", "status", "id"]
    assert info["time"].endswith("Z")
    assert datetime.fromisoformat(info["time"]).tzinfo is not None
    assert info["level"] == "info"
    assert info["logger"] == "herald.test"
    assert info["message"] == "request done"
    assert info["request_id"] == "req-42"
    assert info["status"] == 200
    assert info["id"] == str(UUID(int=7))  # str(), as before, not a repr
    assert error["level"] == "error"
    assert error["request_id"] == "req-42"
    assert error["exc_info"].startswith("Traceback (most recent call last):")
    assert error["exc_info"].endswith("KeyError: 'missing'")
    assert "request_id" not in outside


def test_console_lines_are_for_people() -> None:
    with captured_logs("console") as logs:
        _log_a_request_and_a_failure()
    lines = logs.lines()
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])
    assert "[info" in lines[0]
    assert "request done" in lines[0]
    assert "request_id=req-42" in lines[0]
    assert "status=200" in lines[0]
    assert "color_message" not in lines[0]
    assert "\x1b[" not in logs.getvalue()  # no colours where the stream is not a terminal
    assert "it broke" in lines[1]
    # The traceback follows as the interpreter prints it, one frame a line.
    assert lines[2] == "Traceback (most recent call last):"
    assert lines[-1] == "KeyError: 'missing'"


@pytest.mark.parametrize(("tty", "json_lines"), [(True, False), (False, True)])
def test_auto_picks_console_on_a_terminal(tty: bool, json_lines: bool) -> None:
    with captured_logs("auto", tty=tty) as logs:
        log.info("hello")
    [line] = logs.lines()
    assert line.startswith("{") is json_lines
    assert ("\x1b[" in line) is tty  # coloured on a terminal


def test_a_forced_format_wins_over_the_terminal() -> None:
    with captured_logs("json", tty=True) as logs:
        log.info("hello")
    assert logs.records()[0]["message"] == "hello"


def test_the_console_senders_line_shows_the_message() -> None:
    outbox = DevOutbox()
    now = datetime.now(UTC)
    with captured_logs("json") as logs:
        outbox.record(OutboxEntry("sms", "+15105552054", None, "Dentist\nat 3pm", "r1", "SM1", now))
        outbox.record(
            OutboxEntry("email", "ann@example.com", "Your\tcode", "x" * 5000, "r2", "EM2", now)
        )
    sms, email = logs.records()
    assert sms["message"] == "dev outbox: sms to +15105552054"
    assert sms["body"] == "Dentist at 3pm"
    assert "subject" not in sms
    assert (sms["reference"], sms["provider_message_id"]) == ("r1", "SM1")
    assert email["message"] == "dev outbox: email to ann@example.com"
    assert email["subject"] == "Your code"
    assert email["body"] == "x" * 199 + "…"
    assert len(logs.lines()) == 2  # one line each, whatever the message held


def test_log_format_setting() -> None:
    assert Settings.from_env({}).logging.format == "auto"
    assert Settings.from_env({"HERALD_LOG_FORMAT": "console"}).logging.format == "console"
    assert Settings.from_env({"HERALD_LOG_FORMAT": "json"}).logging.format == "json"
    with pytest.raises(SettingsError, match="log_format"):
        Settings.from_env({"HERALD_LOG_FORMAT": "xml"})


@pytest.mark.parametrize(
    "dsn", ["not a dsn", "https://sentry.example/42", "https://key@sentry.example/", "ftp://k@h/1"]
)
def test_a_malformed_sentry_dsn_is_refused(dsn: str) -> None:
    with pytest.raises(SettingsError, match="HERALD_SENTRY_DSN is not a Sentry DSN"):
        Settings.from_env({"HERALD_SENTRY_DSN": dsn})


def test_a_sentry_dsn_is_accepted() -> None:
    settings = Settings.from_env(
        {
            "HERALD_SENTRY_DSN": "https://key@o1.ingest.sentry.io/42",
            "HERALD_SENTRY_ENVIRONMENT": "x",
        }
    )
    assert settings.error_reporting.dsn == "https://key@o1.ingest.sentry.io/42"
    assert settings.error_reporting.environment == "x"
    assert Settings.from_env({"HERALD_SENTRY_DSN": ""}).error_reporting.dsn is None  # empty: off
