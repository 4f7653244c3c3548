"""Logging: JSON lines for machines, readable lines for people, written off the event loop."""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed in `extra` and is kept.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

SECRET_KEYS = frozenset({"password", "token", "authorization", "jwt_secret", "secret"})


def _scrub(value: Any, key: str = "") -> Any:
    if key.lower() in SECRET_KEYS:
        return "[redacted]"
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and value is not None:
                entry[key] = _scrub(value, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(fields)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            k: _scrub(v, k)
            for k, v in record.__dict__.items()
            if k not in _STANDARD and k != "fields" and v is not None
        }
        record.fields = "".join(f" {k}={v}" for k, v in fields.items())
        return super().format(record)


_listener: logging.handlers.QueueListener | None = None


def _stop_listener() -> None:
    """Flush what is queued; safe to call more than once."""
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None


atexit.register(_stop_listener)


def configure_logging(level: str, fmt: str) -> None:
    """Handlers write from a background thread: a log line never blocks a request."""
    global _listener
    _stop_listener()
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    _listener = logging.handlers.QueueListener(records, stream, respect_handler_level=False)
    _listener.start()
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
