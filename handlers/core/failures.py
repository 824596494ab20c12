"""One ERROR line per failed update: which update (an adapter's reference) and which handler, never its
content.

A traceback's last line repeats the exception's message, and a message can carry what someone wrote
(a database error lists the statement's parameters; int() quotes the text it could not read) or a
chat id. So the line names the exception's type and shows the frames only (file, line, our code).
"""
from __future__ import annotations

import logging
import traceback

from handlers.core.context import Registry
from handlers.core.types import Incoming


def route_of(incoming: Incoming | None, routes: Registry) -> str:
    """The handler an Incoming goes to, in our words (a command or button prefix we know), never its text."""
    if incoming is None:
        return "no handler"
    if incoming.command is not None:
        return f"command:{incoming.command}" if incoming.command in routes.commands else "command:unknown"
    if incoming.action is not None:
        prefix = incoming.action.split(":", 1)[0]
        return f"action:{prefix}" if prefix in routes.actions else "action:unknown"
    return "text"


def log_failure(log: logging.Logger, ref: str | None, route: str, doing: str, error: BaseException | None) -> None:
    """One ERROR record: `telegram update 17 (command:start) failed in the core: ValueError` + frames."""
    name = type(error).__name__ if error is not None else "an unknown error"
    frames = "".join(traceback.format_tb(error.__traceback__)).rstrip() if error is not None else ""
    stack = f"\nTraceback (most recent call last, message left out):\n{frames}" if frames else ""
    log.error("%s (%s) failed %s: %s%s", ref or "an update", route, doing, name, stack,
              extra={"update": ref, "handler": route})
