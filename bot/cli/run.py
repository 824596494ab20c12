"""`samtale run`: start the bot on the configured (or chosen) platforms."""
from __future__ import annotations

import asyncio
import getpass
import logging

import click

from bot.cli.common import open_app, settings_from
from bot.ops.logs import configure_logging


@click.command()
@click.option("--platform", "platforms", multiple=True, type=click.Choice(["console", "telegram", "discord"]),
              help="Platform to run (repeatable); default from config, else console.")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (default ./samtale.toml).")
@click.option("--as", "as_user", default=None, help="Console user to play (default: your OS user name).")
def run(platforms: tuple[str, ...], config: str | None, as_user: str | None) -> None:
    """Start the bot."""
    from bot.runner import run_platforms

    settings = settings_from(config)
    if settings.ops.log_format != "auto":
        configure_logging(logging.getLogger().level, settings.ops.log_format)
    chosen = list(platforms) or settings.platforms
    app = open_app(settings=settings)
    try:
        asyncio.run(run_platforms(app, chosen, console_user=as_user or getpass.getuser()))
    except KeyboardInterrupt:
        pass
    finally:
        app.engine.dispose()
