"""One leader among the processes sharing a database: a PostgreSQL advisory lock, or a lock file beside SQLite."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from bot.delivery.locks import FileLock, lock_path

log = logging.getLogger(__name__)

# Any stable 64-bit number would do; it must never change, or old and new processes would both lead.
LEADER_KEY = int.from_bytes(hashlib.sha256(b"samtale:scheduler").digest()[:8], "big", signed=True)
# The leader's connection says whose it is, so `samtale status` and /readyz can name it (bot/ops/leader_probe.py).
LEADER_APPLICATION_NAME = "samtale-leader"


@dataclass(eq=False)
class Leadership:
    """Exactly one leader among the processes sharing a database.

    Only the leader runs APScheduler (APScheduler 3 must not share a job store between running
    schedulers). PostgreSQL: a session advisory lock on a dedicated connection; the others retry every
    `retry_seconds` (10 s), so one takes over well within 30 s after the leader dies. SQLite: an
    exclusive lock on a file next to the database.
    """

    url: str
    _: KW_ONLY
    retry_seconds: float = 10.0
    check_seconds: float = 5.0
    key: int = LEADER_KEY
    leading: bool = False
    _engine: Engine | None = None
    _conn: Any = None
    _file: FileLock | None = None

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    def try_acquire(self) -> bool:
        if self.is_postgres:
            if self._engine is None:
                # Keepalives, so a leader whose machine vanishes loses the lock in ~25 s, not hours.
                self._engine = create_engine(self.url, poolclass=NullPool, connect_args={
                    "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
                    "connect_timeout": 10,
                    "application_name": f"{LEADER_APPLICATION_NAME} {socket.gethostname()[:24]}:{os.getpid()}"})
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            except Exception:
                conn.close()
                raise
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        path = self.url.split("///", 1)[1] if "///" in self.url else ""
        if not path or path == ":memory:":
            return True
        if self._file is None:
            self._file = FileLock(lock_path(path, "scheduler"))
        return self._file.try_acquire()

    def still_leading(self) -> bool:
        if self._conn is None:
            return True
        try:
            self._conn.execute(text("SELECT 1")).scalar()
            return True
        except Exception:  # noqa: BLE001 - any failure means we can no longer be sure we hold the lock
            return False

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        if self._file is not None:
            self._file.release()
        self.leading = False

    def dispose(self) -> None:
        self.release()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    async def run(self, stop: asyncio.Event, on_elected: Callable[[], Awaitable[None]],
                  on_deposed: Callable[[], Awaitable[None]]) -> None:
        try:
            while not stop.is_set():
                if not self.leading:
                    try:
                        got = await asyncio.to_thread(self.try_acquire)
                    except Exception as exc:  # noqa: BLE001 - the database may be down; try again later
                        log.warning("scheduler: cannot try for leadership: %s", exc)
                        got = False
                    if got:
                        self.leading = True
                        log.info("scheduler: this process leads")
                        await on_elected()
                else:
                    try:
                        ok = await asyncio.wait_for(asyncio.to_thread(self.still_leading), self.check_seconds * 2)
                    except TimeoutError:
                        ok = False
                    if not ok:
                        log.warning("scheduler: lost the leader's connection; stepping down")
                        await on_deposed()
                        await asyncio.to_thread(self.release)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.check_seconds if self.leading else self.retry_seconds):
                        await stop.wait()
        finally:
            if self.leading:
                await on_deposed()
            await asyncio.to_thread(self.dispose)
