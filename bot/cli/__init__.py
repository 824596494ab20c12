"""The `samtale` command: the group, and every subcommand listed once below (each in its own module)."""
from __future__ import annotations

import importlib
import logging
import sys

import click

from bot import __version__
from bot.ops.logs import configure_logging

# Every subcommand, once: its name and where it lives. A command's module is imported only when that
# command runs, so `samtale run` does not load the exports', reports' and audit's libraries before its
# first reply (about a fifth of a second of a cold start).
COMMANDS = {
    "run": "bot.cli.run:run",
    "db": "bot.cli.db:group",
    "privacy": "bot.cli.privacy:group",
    "campaign": "bot.cli.campaign:group",
    "outbox": "bot.cli.outbox:group",
    "discord": "bot.cli.discord:group",
    "events": "bot.cli.events:group",
    "organiser": "bot.cli.organiser:group",
    "export": "bot.cli.export:export",
    "audit": "bot.cli.audit:group",
    "reflections": "bot.cli.reflections:group",
    "report": "bot.cli.report:report",
    "checkins": "bot.cli.checkins:group",
    "directory": "bot.cli.directory:group",
    "statements": "bot.cli.statements:group",
    "digest": "bot.cli.insights:digest",
    "classify": "bot.cli.insights:classify",
    "themes": "bot.cli.insights:themes",
    "crisis": "bot.cli.models:crisis",
    "web": "bot.cli.web:group",
    "status": "bot.cli.status:status",
}


class _Commands(click.Group):
    """A group that imports a subcommand's module when the subcommand is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="samtale")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (to stderr).")
def main(verbose: bool) -> None:
    """Samtale: the chat bot of Denmark's national conversation about loneliness."""
    # JSON lines when stderr is not a terminal; `samtale run` applies [ops] log_format once it has the settings.
    configure_logging(logging.INFO if verbose else logging.WARNING, "auto", sys.stderr)
