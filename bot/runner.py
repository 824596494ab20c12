"""Runs the chosen platforms side by side in one process, over one core and one database."""
from __future__ import annotations

import asyncio
import contextlib
import signal
import threading

import click

from bot.app import App
from bot.ops.start import start_ops
from bot.platforms.console import make_console, run_console
from bot.scheduling.background import Background, start_background
from content.campaigns import CampaignError


async def run_platforms(app: App, platforms: list[str], *, console_user: str) -> None:
    tasks = []
    console = None
    for name in platforms:
        if name == "console":
            console = make_console(app.dispatcher, console_user, download_dir=app.settings.console.download_dir)
            tasks.append(run_console(app.dispatcher, console_user, console=console))
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

    ops = None

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        if ops is not None:
            # /readyz turns 503 first; the platforms stop once a balancer has had time to look away.
            ops.drain()
            loop.call_later(app.settings.ops.drain_seconds, _cancel, main)
        else:
            _cancel(main)

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows, not off the main thread
        loop.add_signal_handler(signal.SIGTERM, terminate)
    broken_lexicon = _warm_crisis_lexicon(loop, main)
    # Beside the platforms: the campaign scheduler (one leader among processes) and the outbox workers.
    # Prompts for the console's person are rendered by its own Console, so their buttons are numbered.
    services = await _services(app, platforms, console_user, tasks, console.render if console else None)
    web = None
    if app.settings.web.enabled:
        # Imported here: uvicorn and Starlette only when the dashboard runs in this process.
        from bot.web.serve import start_beside

        web = start_beside(app.settings, app.sessions, app.clock)
    try:
        ops = await start_ops(app, services)
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        if broken_lexicon:
            raise click.ClickException(f"the crisis lexicon does not compile: {broken_lexicon[0]}") from None
        if not terminated:
            raise
    finally:
        if web is not None:
            await web.stop()
        await services.stop()
        if ops is not None:
            await ops.stop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


def _cancel(main: asyncio.Task | None) -> None:
    if main is not None:
        main.cancel()


def _warm_crisis_lexicon(loop: asyncio.AbstractEventLoop, main: asyncio.Task | None) -> list[Exception]:
    """Load the crisis lexicon beside the first replies instead of before them: from its prepared form
    in the cache folder (~0.1 s, engines/crisis/prepared.py), or, on the first start of a lexicon or
    Python version, by compiling it (1–3 s) and preparing it for the next start.

    Samtale must not run without crisis signposting: a lexicon that does not compile stops it.
    """
    from engines.crisis import warm_up

    failures: list[Exception] = []

    def work() -> None:
        try:
            warm_up()
        except Exception as exc:  # noqa: BLE001 - reported to the main task, which stops the bot
            failures.append(exc)
            if main is not None:
                loop.call_soon_threadsafe(main.cancel)

    threading.Thread(target=work, name="crisis-lexicon", daemon=True).start()
    return failures


async def _telegram(app: App) -> None:
    from bot.platforms.telegram import TelegramStartError, run_telegram

    try:
        await run_telegram(app)
    except TelegramStartError as exc:
        raise click.ClickException(f"telegram: {exc}") from None


async def _services(app: App, platforms: list[str], console_user: str, pending: list,
                    render=None) -> Background:
    try:
        return await start_background(app, platforms, console_user=console_user, console_render=render)
    except CampaignError as exc:
        for coro in pending:
            coro.close()
        raise click.ClickException(str(exc)) from None
