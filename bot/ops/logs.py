"""Log lines for people and for machines: JSON lines when not on a terminal (or [ops] log_format =
"json"), readable lines on one. Either way the scrubber (engines/scrub.py) runs over every message and
traceback, so a CPR number, phone number or e-mail that slipped into a log call never reaches the log."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import TextIO

from engines.scrub import scrub

# Context a log call may pass with `extra=`; each becomes a field of the JSON line when present.
CONTEXT_FIELDS = ("update", "job", "platform", "handler", "duration_ms", "outcome", "sink")
# Libraries that log a request per call at INFO, with URLs that hold the bot token or a chat id.
CHATTY = ("httpx", "httpcore", "telegram.ext.ExtBot", "apscheduler.executors.default", "aiohttp.access")
HUMAN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _scrubbed(record: logging.LogRecord) -> tuple[str, str | None]:
    message = scrub(record.getMessage())
    trace = None
    if record.exc_info:
        trace = scrub(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        trace = scrub(record.exc_text)
    return message, trace


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and the context fields given."""

    def format(self, record: logging.LogRecord) -> str:
        message, trace = _scrubbed(record)
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": message}
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if trace:
            line["traceback"] = trace
        return json.dumps(line, ensure_ascii=False, default=str)


class HumanFormatter(logging.Formatter):
    """The classic line, with the message and traceback scrubbed and the context fields appended."""

    def __init__(self) -> None:
        super().__init__(HUMAN)

    def format(self, record: logging.LogRecord) -> str:
        message, trace = _scrubbed(record)
        context = " ".join(f"{n}={record.__dict__[n]}" for n in CONTEXT_FIELDS if record.__dict__.get(n) is not None)
        clean = logging.makeLogRecord({**record.__dict__, "msg": message + (f" [{context}]" if context else ""),
                                       "args": None, "exc_info": None, "exc_text": None})
        line = super().format(clean)
        return f"{line}\n{trace}" if trace else line


def wants_json(log_format: str, stream: TextIO) -> bool:
    if log_format != "auto":
        return log_format == "json"
    isatty = getattr(stream, "isatty", None)
    return not (isatty is not None and isatty())


def configure_logging(level: int, log_format: str = "auto", stream: TextIO | None = None) -> None:
    """Replace the root handler: one stream handler with the chosen formatter."""
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if wants_json(log_format, stream) else HumanFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY:
        # Their per-request INFO lines carry the bot token (in the URL) or chat ids: warnings only.
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
