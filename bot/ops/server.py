"""The ops port of `samtale run` ([ops] listen): /healthz, /readyz and /metrics, a small aiohttp server
beside the platforms. It serves operators and balancers only; nothing a citizen sends comes here."""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.ops.health import Readiness
from bot.ops.metrics import OpsMetrics

log = logging.getLogger(__name__)


def parse_listen(listen: str) -> tuple[str, int]:
    """"127.0.0.1:9310" or "[::1]:9310" → (host, port)."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


@dataclass(eq=False)
class OpsServer:
    readiness: Readiness
    metrics: OpsMetrics
    listen: str
    _runner: web.AppRunner | None = None
    port: int = 0

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics_page)
        return app

    async def healthz(self, request: web.Request) -> web.Response:
        # Alive: the event loop answers. Nothing else is checked, so a database outage never gets the
        # process restarted by its supervisor (it recovers by itself when the database returns).
        return web.json_response({"status": "ok"})

    async def readyz(self, request: web.Request) -> web.Response:
        ready, checks = await self.readiness.check()
        body = json.dumps({"status": "ready" if ready else "not ready", "checks": checks})
        return web.Response(status=200 if ready else 503, text=body, content_type="application/json")

    async def metrics_page(self, request: web.Request) -> web.Response:
        # generate_latest runs the database collector's queries: off the event loop.
        body = await asyncio.to_thread(generate_latest, self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    def drain(self) -> None:
        """SIGTERM: /readyz turns 503 before anything else stops."""
        self.readiness.draining = True
        self.metrics.draining.set(1)

    async def start(self) -> None:
        host, port = parse_listen(self.listen)
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # noqa: SLF001 - the port chosen for ":0"
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("ops: /healthz, /readyz and /metrics on %s:%d", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
