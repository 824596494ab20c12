"""The Worker that drains the durable outbox at each platform's pace, surviving any crash.

Writing is storage.outbox's (`enqueue`, and `enqueue_selected` under broadcast.py's `broadcast_prompt`):
a unique dedupe key — (kind, ref, person) — makes a second broadcast, a rerun or a race add nothing.

Draining: a `Worker` per platform per process claims rows in small batches — `FOR UPDATE SKIP LOCKED`
on PostgreSQL, one atomic UPDATE … RETURNING on SQLite — marking them `sending` with a lease, paces them
through a `RateLimiter`, sends each through the platform's `Sender`, and writes the outcome at once:

    queued ──claim──▶ sending ──accepted──▶ sent
                        │  429 ──▶ queued again after retry_after (the whole platform pauses)
                        │  403 ──▶ blocked (the contact is marked unreachable, their other queued rows blocked)
                        │  network/5xx ──▶ queued with backoff; after max_attempts ──▶ failed (reason kept)
                        └  400 ──▶ failed (reason kept)

A worker that dies leaves rows in `sending`; they are claimed again when their lease runs out (at once
on SQLite, where one worker per platform holds a file lock). The one unavoidable at-least-once window
is between the platform accepting a message and our commit of `sent` (a few milliseconds): a crash in
exactly that window sends that one message again on restart. Nothing is ever lost.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import time as _time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.claims import Claimed, claim, recover, scope
from bot.delivery.locks import FileLock, lock_path, sqlite_path
from bot.delivery.outcomes import defer, record
from handlers.core.observe import NO_COUNTERS, Counters
from bot.delivery.pacing import DEFAULT_LIMITS, PlatformLimits, RateLimiter, limiter
from bot.delivery.senders import Outcome, Sender, SendResult, payload_to_intent
from bot.delivery.worker_settings import WorkerSettings
from storage.campaign_models import QUEUED, SENDING, OutboxMessage, OutboxWorker
from storage.clock import Clock, system_clock
from storage.db import begin_write

log = logging.getLogger(__name__)


class Worker:
    """Drains one platform's outbox rows through its Sender at the platform's pace."""

    def __init__(self, sessions: sessionmaker[Session], sender: Sender, settings: WorkerSettings | None = None, *,
                 clock: Clock = system_clock, worker_id: str | None = None,
                 only_chat: str | None = None, rate_limiter: RateLimiter | None = None,
                 counters: Counters = NO_COUNTERS) -> None:
        self.sessions = sessions
        self.counters = counters
        self.sender = sender
        self.platform = sender.platform
        self.settings = settings or WorkerSettings(limits=DEFAULT_LIMITS.get(sender.platform, PlatformLimits()))
        self.clock = clock
        self.id = worker_id or f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # The console sends only to the person at this keyboard; others get theirs in their own session.
        self.only_chat = only_chat
        self.limiter = rate_limiter or limiter(self.platform, self.settings.limits.rate)
        self.limiter.set_rate(self.settings.limits.rate)
        self._db_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"outbox-{self.platform}")
        self._chat_next: dict[str, float] = {}
        self._inflight: set[asyncio.Task] = set()
        self._sem = asyncio.Semaphore(self.settings.concurrency)
        self._pending: list[tuple[Claimed, SendResult, asyncio.Future]] = []
        self._inline = sqlite_path(sessions) is not None
        # Inline at high rates, outcomes arriving within a few milliseconds share a commit (an fsync on
        # SQLite). At Telegram's 30/s none would join, so none is waited for: the window stays one commit.
        self._coalesce = 0.004 if self._inline and self.settings.limits.rate >= 250 else 0.0
        self._flushing = False
        self._last_beat = 0.0
        self._lock: FileLock | None = None
        self.exclusive = False
        self.stats: dict[str, int] = dict.fromkeys([o.value for o in Outcome], 0)

    # -- plumbing ------------------------------------------------------------------------------
    async def _db(self, fn, *args):
        # PostgreSQL: on the worker's own thread, so a commit never stalls the event loop and outcomes
        # arriving meanwhile join the next commit. SQLite: on the event loop, between the dispatcher's
        # transactions and never inside one — its transactions read before they write, and a write of
        # ours committed in between would make theirs fail with "database is locked".
        if self._inline:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, fn, *args)

    def _scope(self) -> list:
        return scope(self.platform, self.only_chat)

    # -- start / stop --------------------------------------------------------------------------
    async def start(self) -> None:
        """Take the platform's file lock on SQLite (one worker per platform there) and recover."""
        path = sqlite_path(self.sessions)
        if path and path != ":memory:":
            name = f"outbox-{self.platform}"
            if self.only_chat:
                # A hash, not the name: the file must not say who used this console after /forget.
                name += "-" + hashlib.sha256(self.only_chat.encode()).hexdigest()[:12]
            self._lock = FileLock(lock_path(path, name))
            if not self._lock.try_acquire():
                raise RuntimeError(f"another process is already delivering {self.platform} messages from {path}")
            self.exclusive = True
            recovered = await self._db(self._recover_all)
            if recovered:
                log.warning("outbox %s: %d message(s) were being sent when the last run stopped; "
                            "sending them again", self.platform, recovered)
        await self._db(self._heartbeat)

    async def close(self) -> None:
        for task in list(self._inflight):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self._db(self._forget_me)
        self._db_pool.shutdown(wait=True)
        if self._lock is not None:
            self._lock.release()

    def _recover_all(self) -> int:
        with self.sessions.begin() as s:
            return recover(s, self._scope())

    def _heartbeat(self) -> None:
        now = self.clock()
        with self.sessions.begin() as s:
            begin_write(s)
            s.merge(OutboxWorker(id=self.id, platform=self.platform, seen_at=now, rate=self.settings.limits.rate))
            s.execute(delete(OutboxWorker).where(OutboxWorker.seen_at < now - timedelta(hours=1)))
            live = s.scalar(select(func.count()).select_from(OutboxWorker).where(
                OutboxWorker.platform == self.platform,
                OutboxWorker.seen_at >= now - timedelta(seconds=3 * self.settings.heartbeat_seconds))) or 1
        # Workers of one platform share its rate (Telegram's 30/s is per bot, not per process).
        share = self.settings.limits.rate / (1 if self.only_chat else max(1, live))
        self.limiter.set_rate(share)

    def _forget_me(self) -> None:
        with self.sessions.begin() as s:
            begin_write(s)
            s.execute(delete(OutboxWorker).where(OutboxWorker.id == self.id))

    # -- claiming ------------------------------------------------------------------------------
    def _claim(self, limit: int) -> list[Claimed]:
        now = self.clock()
        conds = self._scope()
        if self.settings.quiet.contains(now):
            conds.append(OutboxMessage.quiet.is_(False))
        with self.sessions.begin() as s:
            return claim(s, conds, limit=limit, now=now, worker_id=self.id,
                         lease_until=now + timedelta(seconds=self.settings.lease_seconds),
                         answer_window=self.settings.answer_window)

    def pending(self) -> int:
        """Rows this worker could still send some time (queued or being sent), quiet-held included."""
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(OutboxMessage).where(
                *self._scope(), OutboxMessage.status.in_((QUEUED, SENDING)))) or 0

    # -- recording outcomes --------------------------------------------------------------------
    def _record(self, batch: list[tuple[Claimed, SendResult]]) -> None:
        now = self.clock()
        with self.sessions.begin() as s:
            record(s, batch, now=now, worker_id=self.id, settings=self.settings)

    async def _recorded(self, row: Claimed, result: SendResult) -> None:
        """Record one outcome as soon as possible; outcomes arriving meanwhile share the next commit."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((row, result, future))
        if not self._flushing:
            self._flushing = True
            asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        try:
            await asyncio.sleep(self._coalesce)  # let answers arriving about now join this commit
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._db(self._record, [(row, result) for row, result, _ in batch])
                except Exception:  # noqa: BLE001 - one bad row must not leave the others unrecorded
                    log.exception("outbox %s: recording %d outcomes together failed; one by one", self.platform,
                                  len(batch))
                    for row, result, future in batch:
                        try:
                            await self._db(self._record, [(row, result)])
                        except Exception as exc:  # noqa: BLE001
                            log.exception("outbox %s: row %d not recorded; its lease will run out", self.platform,
                                          row.id)
                            future.set_exception(exc)
                        else:
                            future.set_result(None)
                else:
                    for *_, future in batch:
                        future.set_result(None)
        finally:
            self._flushing = False

    def _defer(self, row: Claimed, seconds: float) -> None:
        now = self.clock()
        with self.sessions.begin() as s:
            defer(s, row, now=now, worker_id=self.id, seconds=seconds)

    # -- sending -------------------------------------------------------------------------------
    async def _send_one(self, row: Claimed) -> None:
        try:
            try:
                result = await asyncio.wait_for(
                    self.sender.send(row.chat_id, payload_to_intent(row.payload), key=row.dedupe_key),
                    timeout=self.settings.send_timeout)
            except TimeoutError:
                result = SendResult.transient("timed out")
            except Exception as exc:  # noqa: BLE001 - a broken sender must not stop the broadcast
                log.exception("outbox %s: sender failed on row %d", self.platform, row.id)
                result = SendResult.transient(f"{type(exc).__name__}: {exc}")
            self.stats[result.outcome.value] += 1
            self.counters.outbox_outcome(self.platform, result.outcome.value)
            if result.outcome is Outcome.RETRY_AFTER:
                # Telegram's 429 asks the bot to wait: everything on this platform waits, not just this chat.
                self.limiter.pause(result.retry_after)
        finally:
            self._sem.release()
        # Written right after the platform's answer (the at-least-once window is this commit).
        with contextlib.suppress(Exception):  # logged in _flush
            await self._recorded(row, result)

    async def _dispatch(self, row: Claimed) -> None:
        """Pace one claimed row and start sending it (without waiting for the answer)."""
        margin = min(5.0, self.settings.lease_seconds / 4)
        interval = self.settings.limits.per_chat_interval
        if interval > 0:
            wait = self._chat_next.get(row.chat_id, 0.0) - _time.monotonic()
            if wait > 0:
                await self._db(self._defer, row, wait)
                return
        await self.limiter.acquire()
        await self._sem.acquire()
        if self.clock() > row.lease_until - timedelta(seconds=margin):
            # Waited so long the lease is nearly gone; another worker may take it, so we must not send.
            self._sem.release()
            await self._db(self._defer, row, 0.0)
            return
        if interval > 0:
            self._chat_next[row.chat_id] = _time.monotonic() + interval
            if len(self._chat_next) > 100_000:
                cutoff = _time.monotonic()
                self._chat_next = {k: v for k, v in self._chat_next.items() if v > cutoff}
        task = asyncio.create_task(self._send_one(row))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    def _batch_size(self) -> int:
        # Never claim more than can be sent well within the lease.
        by_lease = int(self.limiter.rate * self.settings.lease_seconds / 4)
        return max(1, min(self.settings.batch, by_lease))

    async def _maybe_heartbeat(self) -> None:
        if _time.monotonic() - self._last_beat >= self.settings.heartbeat_seconds:
            self._last_beat = _time.monotonic()
            await self._db(self._heartbeat)

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until `stop` is set: claim the next batch while the current one is still going out."""
        queue: asyncio.Queue[Claimed] = asyncio.Queue()
        wake = asyncio.Event()

        async def feeder() -> None:
            while not stop.is_set():
                await self._maybe_heartbeat()
                if queue.qsize() <= self._batch_size() // 2:
                    rows = await self._db(self._claim, self._batch_size())
                    for row in rows:
                        queue.put_nowait(row)
                    if rows:
                        continue
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.poll_seconds):
                        await _first(stop.wait(), wake.wait())

        async def sender() -> None:
            while not stop.is_set():
                getter = asyncio.ensure_future(queue.get())
                stopper = asyncio.ensure_future(stop.wait())
                done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if getter not in done:
                    getter.cancel()
                    break
                await self._dispatch(getter.result())
                if queue.qsize() <= self._batch_size() // 2:
                    wake.set()

        tasks = [asyncio.create_task(feeder()), asyncio.create_task(sender())]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # Rows claimed but not started go back at once (not after their lease), in-flight ones finish.
            leftover = []
            while not queue.empty():
                leftover.append(queue.get_nowait())
            for row in leftover:
                with contextlib.suppress(Exception):
                    await self._db(self._defer, row, 0.0)
            if self._inflight:
                await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def send_ready(self) -> int:
        """Send what is ready right now and wait for it (the console, at the start of a session)."""
        rows = await self._db(self._claim, self._batch_size())
        for row in rows:
            await self._dispatch(row)
        if self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)
        return len(rows)

    async def drain(self, *, timeout: float = 60.0, idle: Callable[[], bool] | None = None) -> None:
        """For tests, tools and benchmarks: run until nothing is left to send (or timeout)."""
        stop = asyncio.Event()
        runner = asyncio.create_task(self.run(stop))
        deadline = _time.monotonic() + timeout
        try:
            while _time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                if runner.done():
                    break
                if not self._inflight and (idle() if idle is not None else await self._db(self.pending) == 0):
                    break
            else:
                raise TimeoutError(f"outbox {self.platform}: still {await self._db(self.pending)} to send after {timeout}s")
        finally:
            stop.set()
            await runner


async def _first(*aws) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
