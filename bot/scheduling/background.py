"""What runs beside the platforms in `samtale run`: the scheduler (leader only), the outbox workers, crisis alerts."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import timedelta
from typing import Any

from bot.crisis_alerts import run_alerts
from bot.delivery.pacing import PlatformLimits
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.senders import ConsoleSender
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from bot.scheduling.jobs import periodic_jobs
from bot.scheduling.scheduler import Scheduler
from content.campaigns import Campaign, load_campaigns
from storage.clock import Clock, system_clock
from storage.db import normalise_url

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Background:
    """What runs beside the platforms in `samtale run`: the scheduler (leader only) and outbox workers."""

    app: Any
    platforms: list[str]
    _: KW_ONLY
    console_user: str | None = None
    console_out: Any = None
    console_render: Callable[[Any], None] | None = None
    clock: Clock = system_clock
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    senders: list[Any] = field(default_factory=list)
    scheduler: Scheduler | None = None

    def worker_settings(self, platform: str) -> WorkerSettings:
        o = self.app.settings.outbox
        c = self.app.settings.campaigns
        rate = {"telegram": o.telegram_rate, "discord": o.discord_rate}.get(platform, o.console_rate)
        per_chat = {"telegram": o.telegram_per_chat_seconds, "discord": o.discord_per_chat_seconds}.get(platform, 0.0)
        return WorkerSettings(limits=PlatformLimits(rate, per_chat), lease_seconds=o.lease_seconds,
                              max_attempts=o.max_attempts, batch=o.batch, concurrency=o.concurrency,
                              poll_seconds=o.poll_seconds, quiet=QuietHours.parse(c.quiet_start, c.quiet_end),
                              answer_window=timedelta(hours=c.answer_window_hours))

    async def _sender(self, platform: str) -> Any | None:
        settings = self.app.settings
        if platform == "console":
            return ConsoleSender(self.console_user or "console", self.console_out, self.console_render)
        if platform == "telegram" and settings.telegram_token:
            # Imported here: python-telegram-bot is loaded only by a process that runs Telegram.
            from bot.platforms.telegram.sender import TelegramSender

            sender = TelegramSender.from_settings(settings.telegram_token, settings.telegram.api_base_url,
                                                  settings.telegram.api_base_file_url,
                                                  connections=settings.outbox.concurrency + 4,
                                                  http_client=settings.telegram.http_client)
            await sender.start()
            return sender
        if platform == "discord":
            try:
                # Imported here: discord.py is loaded only by a process that runs Discord.
                from bot.platforms.discord.sender import make_sender  # type: ignore[import-not-found]
            except ImportError:
                log.info("discord: no outbox sender yet; prompts for Discord users wait in the outbox")
                return None
            return await make_sender(self.app)
        return None

    async def start(self) -> None:
        settings = self.app.settings
        campaigns = load_campaigns(settings.campaigns.folder)  # a bad file stops the start here
        if settings.scheduler.enabled:
            self._start_scheduler(campaigns)
        for platform in self.platforms:
            await self._start_worker(platform)
        self._start_crisis_alerts()

    def _start_scheduler(self, campaigns: tuple[Campaign, ...]) -> None:
        settings = self.app.settings
        self.scheduler = Scheduler(
            self.app.sessions, normalise_url(settings.database.url), campaigns,
            quiet=QuietHours.parse(settings.campaigns.quiet_start, settings.campaigns.quiet_end),
            default_language=settings.default_language, clock=self.clock,
            retry_seconds=settings.scheduler.leader_retry_seconds,
            check_seconds=settings.scheduler.leader_check_seconds, settings=settings,
            jobs=periodic_jobs(settings))
        self.tasks.append(asyncio.create_task(
            self.scheduler.run(self.stop_event, start_delay=settings.scheduler.start_delay_seconds),
            name="scheduler"))

    async def _start_worker(self, platform: str) -> None:
        try:
            sender = await self._sender(platform)
        except Exception as exc:  # noqa: BLE001 - the platform itself reports a bad token; keep running
            log.error("outbox %s: cannot start its sender: %s", platform, exc)
            return
        if sender is None:
            return
        self.senders.append(sender)
        worker = Worker(self.app.sessions, sender, self.worker_settings(platform), clock=self.clock,
                        only_chat=self.console_user if platform == "console" else None,
                        counters=self.app.dispatcher.counters)
        try:
            await worker.start()
        except RuntimeError as exc:
            log.warning("outbox %s: %s; this process will not deliver for it", platform, exc)
            await worker.close()
            return
        self.workers.append(worker)
        if platform == "console":
            # What waited for this person is shown before they type anything.
            await worker.send_ready()
        self.tasks.append(asyncio.create_task(worker.run(self.stop_event), name=f"outbox-{platform}"))

    def _start_crisis_alerts(self) -> None:
        safety = self.app.settings.safety
        if not safety.alert_chats:
            return
        senders = {sender.platform: sender for sender in self.senders}
        for ref in safety.alert_chats:
            if ref.split(":", 1)[0] not in senders:
                # Kept queued in the database: a process running that platform sends it.
                log.warning("crisis alerts to %s wait: this process does not run that platform", ref)
        self.tasks.append(asyncio.create_task(
            run_alerts(self.app.sessions, senders, self.stop_event, every=safety.alert_every_seconds,
                       language=self.app.settings.default_language, max_per_hour=safety.alert_max_per_hour,
                       on_call=safety.alert_hours, clock=self.clock), name="crisis-alerts"))

    async def stop(self) -> None:
        self.stop_event.set()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        for worker in self.workers:
            with contextlib.suppress(Exception):
                await worker.close()
        for sender in self.senders:
            close = getattr(sender, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()


async def start_background(app: Any, platforms: list[str], **kw: Any) -> Background:
    kw.setdefault("clock", app.clock)
    background = Background(app, platforms, **kw)
    await background.start()
    return background
