"""Running Samtale on Telegram: build the PTB Application, poll or serve a webhook, stop cleanly.

Both ways in confirm to Telegram only what is stored (polling.py, webhook.py); replies are kept with
what they answer and sent again by any process if this one dies first (recovery.py)."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import socket
from datetime import timedelta
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, TypeHandler

from bot.app import App
from bot.delivery.pacing import RateLimiter, limiter
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.platforms.telegram.announcements import announce_forever
from bot.platforms.telegram.inbound import PLATFORM
from bot.platforms.telegram.menu import sync_menus
from bot.platforms.telegram.ordering import PerChatProcessor
from bot.platforms.telegram.outbound import RetryPolicy, Sleep
from bot.platforms.telegram.polling import CommittedPolling
from bot.platforms.telegram.recovery import KeptReplies, recover_forever, renew_forever
from bot.platforms.telegram.webhook import WebhookServer
from bot.platforms.telegram.transport import AiohttpRequest

log = logging.getLogger(__name__)

# What we ask Telegram for: messages, button presses, and being blocked/unblocked.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


class TelegramStartError(RuntimeError):
    """Telegram could not be started (the token was rejected, the API is unreachable); says why."""


def webhook_secret(token: str, configured: str | None) -> str:
    """The secret Telegram sends with every webhook request.

    SAMTALE_TELEGRAM_WEBHOOK_SECRET when set; otherwise derived from the bot token, so every process
    behind a load balancer agrees on it without another secret to distribute, and nobody without the
    token can forge an update.
    """
    if configured:
        return configured
    return hmac.new(token.encode(), b"samtale telegram webhook", hashlib.sha256).hexdigest()


def _check_listen(host: str, port: int) -> None:
    """Fail clearly (and before tornado, which leaks the socket that failed to bind) on a busy port."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise TelegramStartError(f"webhook: cannot listen on {host}:{port}: {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado does
        try:
            probe.bind(address)
        except OSError as exc:
            raise TelegramStartError(f"webhook: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


class TelegramPlatform:
    """One bot: `await start()`, then `await wait()` (until the updater dies or it is cancelled), `stop()`."""

    def __init__(self, app: App, *, sleep: Sleep = asyncio.sleep, policy: RetryPolicy = RetryPolicy(),
                 poll_timeout: float = 10.0, bulk: RateLimiter | None = None) -> None:
        settings = app.settings
        if not settings.telegram_token:
            raise TelegramStartError("telegram needs a bot token: set SAMTALE_TELEGRAM_TOKEN")
        # PTB 22 warns on every 429 unless this opt-in is set; our code reads both forms.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.app = app
        self.settings = settings.telegram
        self.poll_timeout = poll_timeout
        connections = self.settings.connections
        self.ordering = PerChatProcessor(self.settings.concurrent_updates)
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(self.settings.api_base_url)
            .base_file_url(self.settings.api_base_file_url)
            .concurrent_updates(self.ordering)
            .job_queue(None)  # Samtale schedules with its own APScheduler
        )
        # The adapter keeps `connections` calls in flight; +2 for the odd call outside it (menus, getMe).
        if self.settings.http_client == "aiohttp":
            builder = builder.request(AiohttpRequest(connections + 2)).get_updates_request(AiohttpRequest(1))
        else:
            builder = builder.connection_pool_size(connections + 2)
        self.application: Application = builder.build()
        username = self.settings.bot_username.lstrip("@") if self.settings.bot_username else None
        self.kept = KeptReplies(app.sessions, app.clock, lease=timedelta(seconds=self.settings.reply_lease_seconds))
        self.adapter = TelegramAdapter(app.dispatcher, app.sessions, bot_username=username, policy=policy, sleep=sleep,
                                       default_language=settings.default_language, connections=connections,
                                       ordering=self.ordering, clock=app.clock,
                                       # The outbox worker's limiter (the process's, unless given):
                                       # replies push bulk back, and a flood of 429s pauses bulk first.
                                       bulk=bulk if bulk is not None else limiter(PLATFORM),
                                       kept=self.kept)
        self.application.add_handler(TypeHandler(Update, self.adapter.on_update))
        self.application.add_error_handler(self.adapter.on_error)
        self.webhook: WebhookServer | None = None
        self.polling: CommittedPolling | None = None
        self._fetching: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None
        self._renewal: asyncio.Task[None] | None = None
        self._started = False

    @property
    def bot(self):  # noqa: ANN201 - telegram.ext.ExtBot
        return self.application.bot

    async def start(self) -> None:
        try:
            await self.application.initialize()  # getMe: a wrong token fails here, loudly
        except TelegramError as exc:
            await self.application.bot.shutdown()  # the HTTP clients were opened before getMe failed
            # `from None`: PTB's InvalidToken message contains the token itself, which must not reach a log.
            if isinstance(exc, InvalidToken):
                raise TelegramStartError("Telegram rejected the bot token; check SAMTALE_TELEGRAM_TOKEN") from None
            raise TelegramStartError(f"could not reach the Telegram Bot API: {type(exc).__name__}") from None
        self._started = True
        if not self.adapter.bot_username:
            self.adapter.bot_username = self.application.bot.username
        await sync_menus(self.application.bot, self.adapter.routes, default_language=self.app.settings.default_language)
        await self.application.start()  # PTB's own fetching stays off: ours confirms only what is stored
        if self.settings.mode == "webhook":
            await self._start_webhook()
        else:
            self.polling = CommittedPolling(self.application, allowed_updates=ALLOWED_UPDATES,
                                            timeout=self.poll_timeout)
            self._fetching = asyncio.create_task(self.polling.run(), name="telegram-polling")
            log.info("telegram: polling as @%s", self.adapter.bot_username)
        # Replies a dead process decided on and never sent (kept in the database), sent from here.
        self._recovery = asyncio.create_task(
            recover_forever(self.adapter, self.application.bot, self.kept, every=self.settings.recover_every_seconds),
            name="telegram-recovery")
        self._renewal = asyncio.create_task(renew_forever(self.kept, every=self.settings.reply_lease_seconds / 3),
                                            name="telegram-renewal")
        # Events announced in this process's municipalities' groups and channels (count-only cards).
        self._announcer = asyncio.create_task(
            announce_forever(self.app.sessions, self.application.bot, self.app.clock,
                             language=self.app.settings.events.channel_language),
            name="telegram-announcements")

    async def _start_webhook(self) -> None:
        url = self.settings.webhook_url
        assert url is not None  # the config refuses webhook mode without one
        _check_listen(self.settings.listen, self.settings.port)
        secret = webhook_secret(self.app.settings.telegram_token or "", self.app.settings.telegram_webhook_secret)
        self.webhook = WebhookServer(self.application, path=urlsplit(url).path, secret=secret,
                                     listen=self.settings.listen, port=self.settings.port)
        self.application.add_error_handler(self.webhook.on_error)
        try:
            await self.webhook.start()
        except OSError as exc:
            raise TelegramStartError(f"webhook: cannot listen on {self.settings.listen}:{self.settings.port}: "
                                     f"{exc.strerror or exc}") from None
        try:
            await self.application.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        except TelegramError as exc:
            raise TelegramStartError(f"webhook: Telegram refused setWebhook for {url}: {exc}") from None
        log.info("telegram: webhook on %s:%s for %s", self.settings.listen, self.settings.port, url)

    async def wait(self) -> None:
        """Run until cancelled; raise TelegramStartError if polling gives up (token revoked)."""
        fetching = self._fetching
        if fetching is None:
            await asyncio.Event().wait()
            return
        try:
            await asyncio.shield(fetching)
        except InvalidToken:
            raise TelegramStartError("Telegram rejected the bot token while polling (revoked?)") from None
        except asyncio.CancelledError:
            if not fetching.cancelled():
                raise
        if not fetching.cancelled():
            raise TelegramStartError("Telegram polling stopped unexpectedly")
        await asyncio.Event().wait()  # stopped on purpose elsewhere: wait for our own cancellation

    @staticmethod
    async def _cancel(task: asyncio.Task[None] | None) -> None:
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await task

    async def stop(self) -> None:
        """Stop taking updates, finish those in hand (stored), send their replies for at most
        `drain_seconds` and leave the rest kept for the next process; close connections."""
        self.kept.stopping = True
        if self._recovery is not None and self.kept.recovering:
            # Let it finish the reply it is sending (one call, or a short wait); cancelled after that.
            await asyncio.wait((self._recovery,), timeout=self.settings.drain_seconds / 2)
        for task in (getattr(self, "_announcer", None), self._recovery, self._fetching):
            await self._cancel(task)
        drain = self.settings.drain_seconds
        try:
            if self.webhook is not None:
                await self.webhook.drain(drain)  # /readyz says 503 from now on; updates in hand get stored
            if self.polling is not None:
                await self.polling.finish(drain)
            if self.application.running:
                await self.application.stop()
            await self.adapter.drain(drain)  # their replies go out before the connections close
            if self.webhook is not None:
                await self.webhook.stop()
        finally:
            await self._cancel(self._renewal)  # held leases were renewed while draining; drain released them
            if self._started:
                await self.application.shutdown()
                self._started = False


async def run_telegram(app: App) -> None:
    """The Telegram platform for `samtale run`: until cancelled (Ctrl-C, SIGTERM) or Telegram refuses us."""
    platform = TelegramPlatform(app)
    try:
        await platform.start()
        await platform.wait()
    finally:
        await asyncio.shield(platform.stop())
