"""Structured logs: one JSON object per line on stdout, which Lambda ships to CloudWatch Logs.

Request bodies and amounts are never logged: a log line carries ids, the route, the status and
timings, and for failures the exception.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC
from datetime import datetime
from typing import Any

LOGGER_NAME = "payment_handler"


class JsonFormatter(logging.Formatter):
    """level, message, timestamp, logger, the record's ``fields`` and, for failures, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info and record.exc_info[0] is not None:
            entry["errorType"] = record.exc_info[0].__name__
            entry["exception"] = self.formatException(record.exc_info)
        # default=str: a Decimal would be written as its exact text, never as a float.
        return json.dumps(entry, default=str, separators=(",", ":"), ensure_ascii=False)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (the Lambda runtime's, or a test's capture)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def get_logger(level: int = logging.INFO) -> logging.Logger:
    """The handler's logger: JSON to stdout, not propagated (no second, plain-text copy via root)."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(handler, StdoutHandler) for handler in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)
    return logger


class RequestLog:
    """A logger bound to one request's ids; ``fields`` are added to every line it writes."""

    def __init__(self, logger: logging.Logger, **fields: Any) -> None:
        self.logger = logger
        self.fields = {key: value for key, value in fields.items() if value is not None}
        self.started = time.perf_counter()

    def bind(self, **fields: Any) -> None:
        self.fields.update({key: value for key, value in fields.items() if value is not None})

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)

    def log(self, level: int, message: str, *, exc_info: bool = False, **fields: Any) -> None:
        if self.logger.isEnabledFor(level):
            self.logger.log(level, message, exc_info=exc_info, extra={"fields": {**self.fields, **fields}})

    def debug(self, message: str, **fields: Any) -> None:
        self.log(logging.DEBUG, message, **fields)

    def info(self, message: str, **fields: Any) -> None:
        self.log(logging.INFO, message, **fields)

    def warning(self, message: str, **fields: Any) -> None:
        self.log(logging.WARNING, message, **fields)

    def exception(self, message: str, **fields: Any) -> None:
        self.log(logging.ERROR, message, exc_info=True, **fields)
