"""`samtale discord`: slash commands on Discord."""
from __future__ import annotations

import asyncio

import click

from bot.cli.common import settings_from


@click.group("discord")
def group() -> None:
    """Discord."""


@group.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (default ./samtale.toml).")
@click.option("--global", "everywhere", is_flag=True,
              help="Sync globally even when discord.dev_guilds is set (global changes can take up to an hour).")
def sync(config: str | None, everywhere: bool) -> None:
    """Register the slash commands: in each discord.dev_guilds guild (instant), else globally."""
    from bot.platforms.discord import sync_commands

    settings = settings_from(config)
    if not settings.discord_token:
        raise click.ClickException("discord needs a bot token: set SAMTALE_DISCORD_TOKEN")
    try:
        lines = asyncio.run(sync_commands(settings, everywhere=everywhere))
    except Exception as exc:  # LoginFailure, HTTPException, CommandSyncFailure: say which, no traceback
        raise click.ClickException(f"discord sync failed: {type(exc).__name__}: {exc}") from None
    for line in lines:
        click.echo(line)
