"""`samtale outbox`: what is queued, sent and failed per platform, live while a broadcast drains."""
from __future__ import annotations

import sys
import time

import click

from bot.cli.common import CONFIG, open_app

COLUMNS = ("queued", "sending", "sent", "failed", "blocked", "cancelled")
DONE = ("sent", "failed", "blocked", "cancelled")


@click.group("outbox")
def group() -> None:
    """The outbox of messages sent in bulk (prompts, reminders)."""


def _snapshot(app):
    from storage.outbox_queries import counts_by_platform, counts_by_ref, draining_refs

    with app.sessions() as s:
        platforms = counts_by_platform(s)
        refs = draining_refs(s)
        progress = counts_by_ref(s, refs) if refs else {}
    return platforms, progress


def _platform_table(platforms):
    from rich.table import Table

    table = Table("platform", *COLUMNS, title="Outbox")
    for platform in sorted(platforms):
        table.add_row(platform, *(f"{platforms[platform].get(c, 0):,}" for c in COLUMNS))
    if not platforms:
        table.add_row("(empty)", *("0" for _ in COLUMNS))
    return table


@group.command()
@click.option("--watch/--once", default=None,
              help="Follow a draining broadcast live (default: when a terminal and something is being sent).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between refreshes with --watch.")
@CONFIG
def status(watch: bool | None, interval: float, config: str | None) -> None:
    """Queued, sent and failed messages per platform; live progress while a broadcast drains."""
    from rich.console import Console

    app = open_app(config)
    out = Console()
    try:
        platforms, progress = _snapshot(app)
        if watch is None:
            watch = sys.stdout.isatty() and bool(progress)
        if not watch:
            out.print(_platform_table(platforms))
            for ref, counts in sorted(progress.items()):
                total = sum(counts.values())
                done = sum(counts[c] for c in DONE)
                out.print(f"{ref}: {done:,} of {total:,} done ({counts['sent']:,} sent, {counts['failed']:,} failed, "
                          f"{counts['blocked']:,} blocked); {counts['queued'] + counts['sending']:,} to go")
            return
        _watch(app, out, interval)
    finally:
        app.engine.dispose()


def _watch(app, out, interval: float) -> None:
    from rich.console import Group
    from rich.live import Live
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[detail]}"), TimeRemainingColumn(), console=out)
    tasks: dict[str, int] = {}
    started = time.monotonic()
    try:
        with Live(console=out, refresh_per_second=4, transient=False) as live:
            while True:
                platforms, progress = _snapshot(app)
                for ref, counts in progress.items():
                    total = sum(counts.values())
                    done = sum(counts[c] for c in DONE)
                    detail = f"sent {counts['sent']:,} · failed {counts['failed']:,} · blocked {counts['blocked']:,}"
                    if ref not in tasks:
                        tasks[ref] = bars.add_task(ref, total=total, completed=done, detail=detail)
                    else:
                        bars.update(tasks[ref], total=total, completed=done, detail=detail)
                for ref, task in tasks.items():
                    if ref not in progress:
                        bars.update(task, completed=bars.tasks[task].total, detail="done")
                live.update(Group(_platform_table(platforms), bars))
                if not progress:
                    break
                time.sleep(interval)
    except KeyboardInterrupt:
        pass
    out.print(f"drained in {time.monotonic() - started:.0f} s" if tasks else "nothing is being sent")


@group.command()
@click.option("--limit", default=20, show_default=True)
@CONFIG
def failed(limit: int, config: str | None) -> None:
    """Why messages failed or were not delivered, most common reasons first."""
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import func, select

    from storage.campaign_models import BLOCKED, FAILED, OutboxMessage

    app = open_app(config)
    try:
        with app.sessions() as s:
            rows = s.execute(
                select(OutboxMessage.platform, OutboxMessage.status, OutboxMessage.last_error, func.count())
                .where(OutboxMessage.status.in_((FAILED, BLOCKED)))
                .group_by(OutboxMessage.platform, OutboxMessage.status, OutboxMessage.last_error)
                .order_by(func.count().desc()).limit(limit)).all()
    finally:
        app.engine.dispose()
    table = Table("platform", "status", "reason", "messages")
    for platform, status_, reason, n in rows:
        table.add_row(platform, status_, reason or "", f"{n:,}")
    Console().print(table)
