"""Runs the chosen platforms side by side in one process, over one core and one database."""
from __future__ import annotations

import asyncio
import contextlib
import signal

import click

from bot.app import App
from bot.platforms.console import run_console


async def run_platforms(app: App, platforms: list[str], *, console_user: str) -> None:
    tasks = []
    for name in platforms:
        if name == "console":
            tasks.append(run_console(app.dispatcher, console_user, download_dir=app.settings.console.download_dir))
        elif name == "telegram":
            if not app.settings.telegram_token:
                raise click.ClickException("telegram needs a bot token: set SAMTALE_TELEGRAM_TOKEN")
            tasks.append(_telegram(app))
        elif name == "discord":
            from bot.platforms.discord import run_discord

            if not app.settings.discord_token:
                raise click.ClickException("discord needs a bot token: set SAMTALE_DISCORD_TOKEN")
            tasks.append(run_discord(app))
    # SIGTERM (systemd, docker stop) stops like Ctrl-C: every platform is cancelled and shuts down cleanly
    # (Telegram finishes the updates in hand and closes its connections) before the process exits.
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        if main is not None:
            main.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows, not off the main thread
        loop.add_signal_handler(signal.SIGTERM, terminate)
    # Beside the platforms: the campaign scheduler (one leader among processes) and the outbox workers.
    services = await _services(app, platforms, console_user, tasks)
    try:
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        if not terminated:
            raise
    finally:
        await services.stop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


async def _telegram(app: App) -> None:
    from bot.platforms.telegram import TelegramStartError, run_telegram

    try:
        await run_telegram(app)
    except TelegramStartError as exc:
        raise click.ClickException(f"telegram: {exc}") from None


async def _services(app: App, platforms: list[str], console_user: str, pending: list):
    from bot.scheduler import start_services
    from content.campaigns import CampaignError

    try:
        return await start_services(app, platforms, console_user=console_user)
    except CampaignError as exc:
        for coro in pending:
            coro.close()
        raise click.ClickException(str(exc)) from None
