"""The dashboard served by uvicorn: on its own (`samtale web`) or beside the platforms in `samtale run`."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from bot.config import Settings
from bot.web.app import create_app
from storage.clock import Clock, system_clock


class _Quiet(uvicorn.Server):
    """A server that leaves SIGINT/SIGTERM to `samtale run`, which cancels every task, this one included."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def config(settings: Settings, sessions, clock: Clock = system_clock, *, host: str | None = None,  # noqa: ANN001
           port: int | None = None) -> uvicorn.Config:
    return uvicorn.Config(create_app(settings, sessions, clock), host=host or settings.web.listen,
                          port=port or settings.web.port, log_level="warning", proxy_headers=True,
                          server_header=False, lifespan="off")


@dataclass
class Beside:
    """The dashboard running as a task beside the platforms; stopped when they stop (Ctrl-D, SIGTERM)."""

    server: uvicorn.Server
    task: asyncio.Task

    async def stop(self) -> None:
        self.server.should_exit = True  # finishes the requests in hand, then closes its sockets
        await self.task


def start_beside(settings: Settings, sessions, clock: Clock = system_clock) -> Beside:  # noqa: ANN001
    server = _Quiet(config(settings, sessions, clock))
    return Beside(server, asyncio.create_task(server.serve()))
