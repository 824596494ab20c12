"""`samtale privacy`: retention purge of old reflection text."""
from __future__ import annotations

import click

from bot.cli.common import open_app, settings_from


@click.group("privacy")
def group() -> None:
    """Privacy housekeeping."""


@group.command()
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (default ./samtale.toml).")
def purge(dry_run: bool, config: str | None) -> None:
    """Delete reflection text older than privacy.retention_days (themes and counts remain)."""
    from storage.db import scrub_sqlite_journal
    from storage.retention import plan_purge
    from storage.retention import purge as do_purge

    settings = settings_from(config)
    app = open_app(settings=settings)
    days = settings.privacy.retention_days
    now = app.clock()
    with app.sessions() as session:
        plan = plan_purge(session, now, days)
        span = f" (written {plan.oldest:%Y-%m-%d} to {plan.newest:%Y-%m-%d})" if plan.count else ""
        if dry_run:
            click.echo(f"would delete the text of {plan.count} reflection(s) older than {days} days, "
                       f"before {plan.cutoff:%Y-%m-%d %H:%M} UTC{span}; nothing was changed")
        else:
            done = do_purge(session, now, days)
            scrub_sqlite_journal(app.engine)
            click.echo(f"deleted the text of {done} reflection(s) older than {days} days{span}")
    app.engine.dispose()
