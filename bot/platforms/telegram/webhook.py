"""Telegram's webhook, served so that 200 means "stored": answered only after the update's commit.

PTB's own webhook answers 200 as soon as an update is queued; a process killed in the next
milliseconds loses it, and Telegram never resends what it was told was received. Here the request
waits while the update goes through the application (our PerChatProcessor, the adapter, the
dispatcher's group commit, the reply kept with it) and is answered 200 only then; 500 if its handling
failed, 503 while the process drains — both make Telegram (or the balancer) deliver it again, and the
dispatcher's deduplication absorbs a redelivery of what was in fact stored.

Also `GET /healthz` (the process is alive) and `GET /readyz` (it takes updates: 503 once it drains),
for a balancer to probe and to stop sending to a process that is stopping.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    """`await start()`, `await drain(timeout)` (stop taking updates, finish those in hand), `await stop()`."""

    def __init__(self, application: Application, *, path: str, secret: str, listen: str, port: int) -> None:
        self.application = application
        self.path = "/" + path.strip("/")
        self.secret = secret
        self.listen = listen
        self.port = port
        self.draining = False
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._failed: set[int] = set()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self._post)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        # handler_cancellation off: a request whose caller hung up still finishes its update (the commit).
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen or None, self.port).start()

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An error handler beside the adapter's: a failed update is answered 500, so it comes again."""
        if isinstance(update, Update):
            self._failed.add(update.update_id)

    async def _post(self, request: web.Request) -> web.Response:
        if self.draining:
            return web.Response(status=503, text="draining")
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), self.application.bot)
        except (ValueError, TypeError, KeyError):
            log.warning("telegram: webhook request that is not an update; refused")
            return web.Response(status=400)
        self.in_flight += 1
        self._idle.clear()
        try:
            # As PTB's own loop does it, but awaited: back here once the handler (and its commit) is done.
            processor = self.application.update_processor
            await processor.process_update(update, self.application.process_update(update))
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()
        if update.update_id in self._failed:
            self._failed.discard(update.update_id)
            return web.Response(status=500)
        return web.Response(status=200)

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(status=200, text="ok")

    async def _readyz(self, request: web.Request) -> web.Response:
        return web.Response(status=503, text="draining") if self.draining else web.Response(status=200, text="ready")

    async def drain(self, timeout: float) -> None:
        """Refuse new updates (503: the balancer sends them elsewhere) and wait for those in hand."""
        self.draining = True
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            log.warning("telegram: %d webhook requests still in hand at stop", self.in_flight)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
