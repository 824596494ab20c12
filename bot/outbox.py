"""The durable outbox: one row per delivery, drained at each platform's pace, surviving any crash.

Writing: `enqueue` (one message) and `broadcast_prompt` (a prompt to every eligible subscriber, one
INSERT … SELECT per language) add rows whose unique dedupe key — (kind, ref, person) — makes a second
broadcast, a rerun or a race add nothing.

Draining: a `Worker` per platform per process claims rows in small batches — `FOR UPDATE SKIP LOCKED`
on PostgreSQL, one atomic UPDATE … RETURNING on SQLite — marking them `sending` with a lease, paces them
through a `RateLimiter`, sends each through the platform's `Sender`, and writes the outcome at once:

    queued ──claim──▶ sending ──accepted──▶ sent
                        │  429 ──▶ queued again after retry_after (the whole platform pauses)
                        │  403 ──▶ blocked (the contact is marked unreachable, their other rows cancelled)
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
import fcntl
import hashlib
import logging
import os
import random
import socket
import time as _time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.delivery import (
    DEFAULT_LIMITS,
    Outcome,
    PlatformLimits,
    QuietHours,
    RateLimiter,
    Sender,
    SendResult,
    limiter,
    local_day,
    payload_to_intent,
)
from content.campaigns import Prompt
from handlers.campaigns import PROMPT_KIND, prompt_intent, prompts_delivered
from handlers.core.types import Intent
from storage.campaign_models import (
    BLOCKED,
    CANCELLED,
    FAILED,
    LIVE_STATUSES,
    PRIORITY_BULK,
    PRIORITY_NORMAL,
    QUEUED,
    SENDING,
    SENT,
    STATUSES,
    OutboxMessage,
    OutboxWorker,
    PromptSubscription,
)
from storage.clock import Clock, system_clock
from storage.models import Contact, Participant
from storage.outbox import enqueue_selected

log = logging.getLogger(__name__)




def begin_write(session: Session) -> None:
    """On SQLite, hold the write lock from the start (BEGIN IMMEDIATE), before anything is read.

    A transaction that reads and then writes fails at once with "database is locked" when another
    connection wrote in between (a WAL snapshot cannot be upgraded); holding the lock first, it waits its
    turn under the busy timeout instead. Call it first in a transaction; later calls do nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    conn = session.connection()
    if session.info.get("write_locked") == id(session.get_transaction()):
        return
    if conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        # storage.db opens every transaction with a plain BEGIN; this one has not read anything yet.
        conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    session.info["write_locked"] = id(session.get_transaction())


# ------------------------------------------------------------------------------------ writing

@dataclass
class BroadcastResult:
    ref: str
    send_at: datetime
    eligible: int          # subscribers this prompt is for (target groups, municipalities, reachable)
    queued: int            # new outbox rows
    already: int           # had this prompt already, or a prompt that day (or that week, for weekly)

    def __str__(self) -> str:
        return f"{self.ref}: {self.queued} queued, {self.already} skipped (already had a prompt)"


def eligible_subscribers(prompt: Prompt):
    """Everyone who wants prompts, can be reached and is in the prompt's target groups/municipalities."""
    conds = [
        Participant.consent_state == "given",
        Participant.onboarded.is_(True),
        PromptSubscription.subscribed.is_(True),
        PromptSubscription.paused.is_(False),
        PromptSubscription.frequency.in_(("every", "weekly")),
        Contact.reachable.is_(True),
    ]
    if prompt.age_bands:
        conds.append(Participant.age_band.in_(prompt.age_bands))
    if prompt.municipalities:
        conds.append(Participant.municipality.in_(prompt.municipalities))
    return (select(Participant.id, Participant.platform, Participant.language)
            .select_from(Participant)
            .join(PromptSubscription, PromptSubscription.participant_id == Participant.id)
            .join(Contact, Contact.participant_id == Participant.id)
            .where(*conds))


def _had_prompt(first_day: str, last_day: str):
    """Had a prompt (queued, being sent or sent) on a day in [first_day, last_day].

    IN (uncorrelated subquery), not a correlated EXISTS: the set is computed once (a hashed subplan on
    PostgreSQL), where a correlated anti-join over an unanalysed outbox went quadratic."""
    o = aliased(OutboxMessage)
    return Participant.id.in_(select(o.participant_id).where(
        o.kind == PROMPT_KIND, o.status.in_(LIVE_STATUSES), o.day >= first_day, o.day <= last_day))


def broadcast_prompt(session: Session, prompt: Prompt, *, now: datetime, send_at: datetime,
                     default_language: str = "da") -> BroadcastResult:
    """Queue `prompt` for every eligible subscriber, at most one prompt a day (a week, for "weekly").

    One INSERT … SELECT … ON CONFLICT DO NOTHING per language, so 50,000 rows take one round trip each.
    The caller commits (with its record of the broadcast, atomically).
    """
    begin_write(session)
    day = local_day(send_at)
    today, week_start = day.isoformat(), (day - timedelta(days=6)).isoformat()
    base = eligible_subscribers(prompt)
    allowed = base.where(~_had_prompt(today, today),
                         or_(PromptSubscription.frequency != "weekly", ~_had_prompt(week_start, today)))
    eligible = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    lang = func.coalesce(Participant.language, default_language)
    groups: list[tuple[object, str]] = [(lang == code, code) for code in sorted(prompt.text)]
    groups.append((lang.not_in(sorted(prompt.text)), default_language))
    queued = 0
    for condition, code in groups:
        queued += enqueue_selected(session, allowed.where(condition), kind=PROMPT_KIND, ref=prompt.ref,
                                   intent=prompt_intent(prompt, code), now=now, available_at=send_at,
                                   priority=PRIORITY_BULK, quiet=True, day=today)
    send_at_utc = send_at.astimezone(timezone.utc)
    return BroadcastResult(prompt.ref, send_at_utc, eligible, queued, eligible - queued)


# ------------------------------------------------------------------------------------ reading

def counts_by_platform(session: Session) -> dict[str, dict[str, int]]:
    """{platform: {status: n}} over the whole outbox."""
    out: dict[str, dict[str, int]] = {}
    for platform, status, n in session.execute(
            select(OutboxMessage.platform, OutboxMessage.status, func.count())
            .group_by(OutboxMessage.platform, OutboxMessage.status)):
        out.setdefault(platform, dict.fromkeys(STATUSES, 0))[status] = n
    return out


def counts_by_ref(session: Session, refs: list[str] | None = None) -> dict[str, dict[str, int]]:
    """{ref: {status: n}}: the progress of each broadcast."""
    stmt = select(OutboxMessage.ref, OutboxMessage.status, func.count()).group_by(OutboxMessage.ref,
                                                                                   OutboxMessage.status)
    if refs is not None:
        stmt = stmt.where(OutboxMessage.ref.in_(refs))
    out: dict[str, dict[str, int]] = {}
    for ref, status, n in session.execute(stmt):
        out.setdefault(ref, dict.fromkeys(STATUSES, 0))[status] = n
    return out


def draining_refs(session: Session) -> list[str]:
    """Broadcasts with messages still to go."""
    return list(session.scalars(select(OutboxMessage.ref).where(OutboxMessage.status.in_((QUEUED, SENDING)))
                                .group_by(OutboxMessage.ref).order_by(OutboxMessage.ref)))


# ------------------------------------------------------------------------------------ the worker

# After messages are recorded as sent, in the same transaction: kind → hook(session, rows, now).
OnSent = Callable[[Session, "list[Claimed]", datetime], None]


def _prompts_sent(session: Session, rows: list[Claimed], now: datetime) -> None:
    window = rows[0].answer_window
    prompts_delivered(session, [(r.participant_id, r.ref) for r in rows], now, window)


ON_SENT: dict[str, OnSent] = {PROMPT_KIND: _prompts_sent}


@dataclass
class WorkerSettings:
    limits: PlatformLimits = field(default_factory=PlatformLimits)
    lease_seconds: float = 60.0
    max_attempts: int = 5
    batch: int = 100
    concurrency: int = 8
    poll_seconds: float = 1.0
    send_timeout: float = 20.0
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0
    heartbeat_seconds: float = 5.0
    quiet: QuietHours = field(default_factory=QuietHours)
    answer_window: timedelta = timedelta(days=3)


@dataclass
class Claimed:
    id: int
    participant_id: int
    kind: str
    ref: str
    dedupe_key: str
    payload: dict
    attempts: int
    lease_until: datetime
    chat_id: str = ""
    answer_window: timedelta = timedelta(days=3)


def _sqlite_path(sessions: sessionmaker[Session]) -> str | None:
    engine = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return None
    return engine.url.database or None


class FileLock:
    """An exclusive lock on a file next to the SQLite database; the kernel drops it when we die."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fh = None

    def try_acquire(self) -> bool:
        if self._fh is not None:
            return True
        fh = open(self.path, "a+b")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def lock_path(db_path: str, name: str) -> str:
    return f"{db_path}.{name}.lock"


class Worker:
    """Drains one platform's outbox rows through its Sender at the platform's pace."""

    def __init__(self, sessions: sessionmaker[Session], sender: Sender, settings: WorkerSettings | None = None, *,
                 clock: Clock = system_clock, worker_id: str | None = None,
                 only_chat: str | None = None, rate_limiter: RateLimiter | None = None) -> None:
        self.sessions = sessions
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
        self._inline = _sqlite_path(sessions) is not None
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

    def _scope(self):
        conds = [OutboxMessage.platform == self.platform]
        if self.only_chat is not None:
            conds.append(OutboxMessage.participant_id.in_(
                select(Contact.participant_id).where(Contact.chat_id == self.only_chat)))
        return conds

    # -- start / stop --------------------------------------------------------------------------
    async def start(self) -> None:
        """Take the platform's file lock on SQLite (one worker per platform there) and recover."""
        path = _sqlite_path(self.sessions)
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
            begin_write(s)
            return s.execute(update(OutboxMessage).where(*self._scope(), OutboxMessage.status == SENDING)
                             .values(status=QUEUED, lease_until=None, leased_by=None)).rowcount or 0

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
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        conds = self._scope()
        if self.settings.quiet.contains(now):
            conds.append(OutboxMessage.quiet.is_(False))
        with self.sessions.begin() as s:
            begin_write(s)
            pg = s.get_bind().dialect.name == "postgresql"

            def pick(*where, n: int) -> list[int]:
                # Two narrow queries, each walking ix_outbox_claim in order, rather than one OR that sorts
                # the whole platform's rows.
                q = (select(OutboxMessage.id).where(*conds, *where)
                     .order_by(OutboxMessage.priority, OutboxMessage.available_at, OutboxMessage.id).limit(n))
                return list(s.scalars(q.with_for_update(skip_locked=True) if pg else q))

            # A dead worker's rows first (their lease ran out), then what is due.
            ids = pick(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now, n=limit)
            if len(ids) < limit:
                ids += pick(OutboxMessage.status == QUEUED, OutboxMessage.available_at <= now, n=limit - len(ids))
            if not ids:
                return []
            rows = s.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                .values(status=SENDING, lease_until=lease_until, leased_by=self.id,
                        attempts=OutboxMessage.attempts + 1)
                .returning(OutboxMessage.id, OutboxMessage.participant_id, OutboxMessage.kind, OutboxMessage.ref,
                           OutboxMessage.dedupe_key, OutboxMessage.payload, OutboxMessage.attempts,
                           OutboxMessage.priority, OutboxMessage.available_at)
            ).all()
            if not rows:
                return []
            rows.sort(key=lambda r: (r.priority, r.available_at, r.id))
            people = {r.participant_id for r in rows}
            facts = {
                f.id: f for f in s.execute(
                    select(Participant.id, Participant.consent_state, Contact.chat_id, Contact.reachable,
                           PromptSubscription.subscribed, PromptSubscription.paused, PromptSubscription.frequency)
                    .select_from(Participant)
                    .outerjoin(Contact, Contact.participant_id == Participant.id)
                    .outerjoin(PromptSubscription, PromptSubscription.participant_id == Participant.id)
                    .where(Participant.id.in_(people)))
            }
            claimed: list[Claimed] = []
            unreachable: list[int] = []
            unwanted: list[int] = []
            for r in rows:
                f = facts.get(r.participant_id)
                if f is None or f.chat_id is None or not f.reachable:
                    unreachable.append(r.id)
                    continue
                if r.kind == PROMPT_KIND and not (f.consent_state == "given" and f.subscribed and not f.paused
                                                  and f.frequency != "events"):
                    unwanted.append(r.id)
                    continue
                claimed.append(Claimed(r.id, r.participant_id, r.kind, r.ref, r.dedupe_key, r.payload, r.attempts,
                                       lease_until, f.chat_id, self.settings.answer_window))
            if unreachable:
                s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(unreachable))
                          .values(status=BLOCKED, last_error="unreachable", lease_until=None))
            if unwanted:
                s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(unwanted))
                          .values(status=CANCELLED, last_error="no longer wanted", lease_until=None))
        return claimed

    def pending(self) -> int:
        """Rows this worker could still send some time (queued or being sent), quiet-held included."""
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(OutboxMessage).where(
                *self._scope(), OutboxMessage.status.in_((QUEUED, SENDING)))) or 0

    # -- recording outcomes --------------------------------------------------------------------
    def _record(self, batch: list[tuple[Claimed, SendResult]]) -> None:
        """Write outcomes, many in one transaction when they arrive together (group commit)."""
        now = self.clock()
        with self.sessions.begin() as s:
            begin_write(s)
            sent = [(row, result) for row, result in batch if result.outcome is Outcome.SENT]
            if sent:
                table = OutboxMessage.__table__
                s.execute(update(table).where(table.c.id == bindparam("rid")).values(
                    status=SENT, sent_at=now, lease_until=None, last_error=None,
                    platform_message_id=bindparam("mid")),
                    [{"rid": row.id, "mid": result.message_id} for row, result in sent])
                by_kind: dict[str, list[Claimed]] = {}
                for row, _ in sent:
                    by_kind.setdefault(row.kind, []).append(row)
                for kind, rows in by_kind.items():
                    hook = ON_SENT.get(kind)
                    if hook is not None:
                        hook(s, rows, now)
            for row, result in batch:
                if result.outcome is not Outcome.SENT:
                    self._record_problem(s, row, result, now)

    def _record_problem(self, s: Session, row: Claimed, result: SendResult, now: datetime) -> None:
        mine = and_(OutboxMessage.id == row.id, OutboxMessage.leased_by == self.id, OutboxMessage.status == SENDING)
        if result.outcome is Outcome.RETRY_AFTER:
            s.execute(update(OutboxMessage).where(mine).values(
                status=QUEUED, lease_until=None, leased_by=None, attempts=OutboxMessage.attempts - 1,
                available_at=now + timedelta(seconds=max(result.retry_after, 0.05)),
                last_error=result.reason[:200] or "rate limited"))
        elif result.outcome is Outcome.BLOCKED:
            s.execute(update(OutboxMessage).where(mine).values(
                status=BLOCKED, lease_until=None, last_error=result.reason[:200] or "blocked"))
            s.execute(update(Contact).where(Contact.participant_id == row.participant_id)
                      .values(reachable=False, updated_at=now))
            s.execute(update(OutboxMessage).where(OutboxMessage.participant_id == row.participant_id,
                                                  OutboxMessage.status == QUEUED)
                      .values(status=BLOCKED, last_error="unreachable"))
        elif result.outcome is Outcome.TRANSIENT and row.attempts < self.settings.max_attempts:
            wait = min(self.settings.backoff_seconds * 2 ** (row.attempts - 1), self.settings.max_backoff_seconds)
            wait *= random.uniform(0.8, 1.2)
            s.execute(update(OutboxMessage).where(mine).values(
                status=QUEUED, lease_until=None, leased_by=None, available_at=now + timedelta(seconds=wait),
                last_error=result.reason[:200]))
        else:
            reason = result.reason or result.outcome.value
            if result.outcome is Outcome.TRANSIENT:
                reason = f"gave up after {row.attempts} attempts: {reason}"
            s.execute(update(OutboxMessage).where(mine).values(
                status=FAILED, lease_until=None, last_error=reason[:200]))

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
        """Not now after all (the chat's own pace): back to the queue, without counting an attempt."""
        now = self.clock()
        with self.sessions.begin() as s:
            begin_write(s)
            s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.leased_by == self.id,
                                                  OutboxMessage.status == SENDING)
                      .values(status=QUEUED, lease_until=None, leased_by=None, attempts=OutboxMessage.attempts - 1,
                              available_at=now + timedelta(seconds=seconds)))

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
