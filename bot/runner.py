"""Runs the chosen platforms side by side in one process, over one core and one database."""
from __future__ import annotations

import asyncio

import click

from bot.app import App
from bot.platforms.console import run_console


async def run_platforms(app: App, platforms: list[str], *, console_user: str) -> None:
    tasks = []
    for name in platforms:
        if name == "console":
            tasks.append(run_console(app.dispatcher, console_user, download_dir=app.settings.console.download_dir))
        elif name == "telegram":
            from bot.platforms.telegram import run_telegram

            if not app.settings.telegram_token:
                raise click.ClickException("telegram needs a bot token: set SAMTALE_TELEGRAM_TOKEN")
            tasks.append(run_telegram(app))
        elif name == "discord":
            from bot.platforms.discord import run_discord

            if not app.settings.discord_token:
                raise click.ClickException("discord needs a bot token: set SAMTALE_DISCORD_TOKEN")
            tasks.append(run_discord(app))
    await asyncio.gather(*tasks)
