"""SOCIALDESK_LOG_FORMAT=json: a record, traceback included, is one parseable line."""

from __future__ import annotations

import json
import logging
import sys

from bot.logs import JsonFormatter


def test_an_exception_stays_inside_its_one_line() -> None:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        record = logging.LogRecord(
            "bot.engine", logging.ERROR, __file__, 1, "event %s failed", ("e1",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.engine"
    assert entry["message"] == "event e1 failed"
    assert entry["exception"].startswith("Traceback") and "ZeroDivisionError" in entry["exception"]
    assert entry["time"].endswith("+00:00")
