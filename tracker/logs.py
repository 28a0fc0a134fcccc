"""Structured logging for unattended runs: one JSON object (or key=value line) per event, to stderr and a rotating file.

Modules log as usual (`log.info("crawl finished", extra=fields(run_id=3, status="ok"))`); the formatter puts the
extra fields next to the time, level, logger and message, so `jq` or journald can filter on them.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from igtracker.config import Settings

FIELDS_ATTR = "tracker_fields"
MAX_LOG_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 5
_HANDLER_MARK = "_tracker_handler"
QUIET_LOGGERS = ("apscheduler", "weasyprint", "fontTools", "alembic")


def fields(**values: Any) -> dict[str, Any]:
    """`extra=` for a log call: the values become top-level keys of the structured record."""
    return {FIELDS_ATTR: values}


def _record_fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    out.update(getattr(record, FIELDS_ATTR, {}) or {})
    if record.exc_info:
        out["exc"] = logging.Formatter().formatException(record.exc_info)
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line; values that JSON cannot hold are written as strings."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_record_fields(record), default=str, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """`time=... level=info logger=... msg="..." key=value`: readable in a terminal, still greppable."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_kv(value)}" for key, value in _record_fields(record).items())


def _kv(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if text and not any(c in text for c in ' "=\n\t'):
        return text
    return json.dumps(text, ensure_ascii=False)


def configure_logging(settings: Settings, *, level: str | None = None, stream: Any = None,
                      for_humans: bool = False) -> None:
    """Send every log record (ours, APScheduler's) through the structured formatter to stderr and settings.log_file.

    Replaces the handlers this function installed before, so calling it again (tests, a reloaded config) does not
    duplicate lines; handlers installed by others are left alone except the root's basicConfig one on stderr.
    `for_humans` (commands run in a terminal, e.g. `tracker run`): stderr gets only warnings and errors, as plain
    `level: message` lines, and the log file still gets every record, structured.
    """
    formatter: logging.Formatter = JsonFormatter() if settings.log_format == "json" else KeyValueFormatter()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
            if getattr(handler, _HANDLER_MARK, False):
                handler.close()
    handlers: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    if settings.log_file:
        path = Path(settings.log_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        handlers.append(rotating)
    for handler in handlers:
        setattr(handler, _HANDLER_MARK, True)
        handler.setFormatter(formatter)
        root.addHandler(handler)
    if for_humans:
        handlers[0].setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        handlers[0].setLevel(logging.WARNING)
    root.setLevel((level or settings.log_level).upper())
    # Libraries that narrate every step at INFO (APScheduler's job starts, WeasyPrint's layout, Alembic's checks):
    # their warnings are what matter in a months-long log.
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
