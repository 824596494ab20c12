"""Starting the ops port for `samtale run`, from the App and what runs in the background."""
from __future__ import annotations

from typing import Any

import click

from bot.ops.health import Readiness
from bot.ops.metrics import OpsMetrics
from bot.ops.server import OpsServer
from storage.db import normalise_url


async def start_ops(app: Any, background: Any) -> OpsServer | None:
    """The ops server when [ops] listen is set (None otherwise); its metrics are the dispatcher's counters."""
    listen = app.settings.ops.listen
    metrics = app.dispatcher.counters
    if not listen or not isinstance(metrics, OpsMetrics):
        return None
    scheduler = getattr(background, "scheduler", None)
    leading = (lambda: scheduler.leading) if scheduler is not None else None
    if leading is not None:
        metrics.watch_leader(leading)
    metrics.watch_database(app.sessions, app.clock)
    server = OpsServer(Readiness(app.engine, normalise_url(app.settings.database.url), leading=leading),
                       metrics, listen)
    try:
        await server.start()
    except OSError as exc:
        raise click.ClickException(f"[ops] listen = {listen!r}: cannot listen there: {exc.strerror}") from None
    return server
