"""The `samtale` command: the group, and every subcommand listed once below (each in its own module)."""
from __future__ import annotations

import logging
import sys

import click

from bot import __version__
from bot.cli import (
    audit,
    campaign,
    checkins,
    db,
    directory,
    discord,
    events,
    export,
    insights,
    models,
    organiser,
    outbox,
    privacy,
    reflections,
    report,
)
from bot.cli.run import run


@click.group()
@click.version_option(__version__, prog_name="samtale")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (to stderr).")
def main(verbose: bool) -> None:
    """Samtale: the chat bot of Denmark's national conversation about loneliness."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


# A module's `group`, or a plain click command (insights has several top-level ones).
for _command in (run, db.group, privacy.group, campaign.group, outbox.group, discord.group, events.group,
                 organiser.group, export.export, audit.group, reflections.group, report.report, checkins.group,
                 directory.group, *insights.commands, models.crisis):
    main.add_command(_command)
