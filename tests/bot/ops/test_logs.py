"""Log lines never carry what a person wrote: the scrubber runs over every message and traceback."""
from __future__ import annotations

import io
import json
import logging

from bot.ops.logs import configure_logging

WRITTEN = "ring 22 33 44 55, anna.hansen@example.dk, cpr 010190-1234"


def logged(fmt: str) -> str:
    out = io.StringIO()
    configure_logging(logging.INFO, fmt, out)
    log = logging.getLogger("samtale.test")
    try:
        try:
            int(WRITTEN)  # like a parser quoting the text it could not read
        except ValueError:
            log.exception("could not read %r", WRITTEN, extra={"update": "console 7", "handler": "text"})
        log.info("plain line", extra={"platform": "console", "duration_ms": 1.5})
    finally:
        configure_logging(logging.WARNING, "text")
    return out.getvalue()


def test_json_lines_are_scrubbed_and_carry_context():
    text = logged("json")
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["level"] for line in lines] == ["ERROR", "INFO"]
    assert lines[0]["update"] == "console 7" and lines[0]["handler"] == "text"
    assert lines[1]["platform"] == "console" and lines[1]["duration_ms"] == 1.5
    assert "[telefon]" in lines[0]["message"] and "[cpr]" in lines[0]["traceback"]
    for secret in ("22 33 44 55", "anna.hansen@example.dk", "010190-1234"):
        assert secret not in text


def test_human_lines_are_scrubbed_too():
    text = logged("text")
    assert "[email]" in text and "update=console 7" in text
    for secret in ("22 33 44 55", "anna.hansen@example.dk", "010190-1234"):
        assert secret not in text
