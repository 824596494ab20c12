"""The `samtale` command: the group, `run`, and the feature subcommands registered below."""
from __future__ import annotations

import asyncio
import getpass
import logging
import sys

import click

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from storage.migrate import NotMigrated


def settings_from(config: str | None) -> Settings:
    """Load settings for any subcommand, turning a bad config into a clean error."""
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(__version__, prog_name="samtale")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (to stderr).")
def main(verbose: bool) -> None:
    """Samtale: the chat bot of Denmark's national conversation about loneliness."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--platform", "platforms", multiple=True, type=click.Choice(["console", "telegram", "discord"]),
              help="Platform to run (repeatable); default from config, else console.")
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (default ./samtale.toml).")
@click.option("--as", "as_user", default=None, help="Console user to play (default: your OS user name).")
def run(platforms: tuple[str, ...], config: str | None, as_user: str | None) -> None:
    """Start the bot."""
    from bot.app import build_app
    from bot.runner import run_platforms

    settings = settings_from(config)
    chosen = list(platforms) or settings.platforms
    try:
        app = build_app(settings)
    except NotMigrated as exc:
        raise click.ClickException(str(exc)) from None
    try:
        asyncio.run(run_platforms(app, chosen, console_user=as_user or getpass.getuser()))
    except KeyboardInterrupt:
        pass
    finally:
        app.engine.dispose()


# Each feature's commands live in their own module; adding one is one line here.
from bot.cli import db as _db  # noqa: E402
from bot.cli import privacy as _privacy  # noqa: E402
from bot.cli import insights as _insights  # noqa: E402
from bot.cli import campaign as _campaign, discord as _discord, outbox as _outbox  # noqa: E402
from bot.cli import events as _events, organiser as _organiser  # noqa: E402
from bot.cli import audit as _audit, export as _export, reflections as _reflections, report as _report  # noqa: E402

# A module with a `group`, or a plain click command / group (insights has several top-level ones).
for _module in (_db, _privacy, _campaign, _outbox, _discord, _events, _organiser, _export, _audit, _reflections, _report, *_insights.commands):
    main.add_command(_module if isinstance(_module, click.Command) else _module.group)


