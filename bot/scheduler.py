"""Scheduling: campaign cadence by rule, one leader among processes, and periodic jobs for any feature.

- **Rules** (pure, driven by a clock, unit-tested): which cadence times of a campaign are due, and what
  to do with a late one — send now, send at the next time outside quiet hours, or skip (never spray a
  prompt at 03:00, never send one more than `max_delay_hours` late). `campaign_tick` applies them in one
  transaction with the fan-out; a cadence time is recorded once (unique), so a tick that runs twice —
  a restart, two leaders for a moment — adds nothing.
- **APScheduler 3** runs the ticks: one cron job per campaign (Europe/Copenhagen) in an
  SQLAlchemyJobStore in the project database, so jobs survive restarts; a job missed while the bot was
  down runs once when it comes back (coalesce, no grace limit) and the rules decide.
- **One leader**: only the process holding the lock runs APScheduler (APScheduler 3 must not share a
  job store between running schedulers). PostgreSQL: a session advisory lock on a dedicated connection;
  the others retry every `leader_retry_seconds` (10 s), so one takes over well within 30 s after the
  leader dies. SQLite: an exclusive lock on a file next to the database.
- **Other features' periodic jobs** (event reminders, digests, retention purge):
  `add_periodic("retention", "storage.retention:purge_job", CronTrigger(hour=3, timezone=TZ))` —
  registered at import or start-up, installed by whichever process leads.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bot.delivery.broadcast import BroadcastResult, broadcast_prompt
from bot.delivery.locks import FileLock, begin_write, lock_path
from bot.delivery.quiet_hours import QuietHours
from content.campaigns import Campaign, Prompt, find_campaign
from storage.campaign_models import CampaignSend, as_utc
from storage.clock import Clock, system_clock

log = logging.getLogger(__name__)
TZ = ZoneInfo("Europe/Copenhagen")

# A late cadence time within this is simply "on time".
ON_TIME = timedelta(minutes=15)




# ------------------------------------------------------------------------------------ rules

def cadence_trigger(campaign: Campaign):
    """The campaign's cadence as an APScheduler CronTrigger bounded by its date range (Copenhagen)."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, day_of_week = campaign.cadence.split()
    start, end = campaign.window()
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                       start_date=start, end_date=end, timezone=TZ)


def fire_times(campaign: Campaign, after: datetime | None, until: datetime, *, limit: int = 1000) -> list[datetime]:
    """Cadence times t with after < t <= until, in UTC, oldest first."""
    trigger = cadence_trigger(campaign)
    start, _ = campaign.window()
    moment = max(after + timedelta(microseconds=1), start) if after is not None else start
    out: list[datetime] = []
    while len(out) < limit:
        nxt = trigger.get_next_fire_time(None, moment)
        if nxt is None or nxt > until:
            break
        out.append(nxt.astimezone(timezone.utc))
        moment = nxt + timedelta(seconds=1)
    return out


def next_fire_time(campaign: Campaign, now: datetime) -> datetime | None:
    nxt = cadence_trigger(campaign).get_next_fire_time(None, now)
    return nxt.astimezone(timezone.utc) if nxt is not None else None


@dataclass(frozen=True)
class Decision:
    fire_time: datetime
    send_at: datetime | None  # None: skipped
    reason: str


def decide(campaign: Campaign, fire_time: datetime, now: datetime, quiet: QuietHours) -> Decision:
    """What to do with one due cadence time, however late we are."""
    late = now - fire_time
    limit = timedelta(hours=campaign.max_delay_hours)
    hours = late.total_seconds() / 3600
    if late > limit:
        return Decision(fire_time, None, f"missed by {hours:.1f} h, more than max_delay_hours = {campaign.max_delay_hours}")
    if campaign.misfire == "skip" and late > ON_TIME:
        return Decision(fire_time, None, f"missed by {hours:.1f} h and misfire = \"skip\"")
    send_at = quiet.next_allowed(max(now, fire_time))
    if send_at - fire_time > limit:
        return Decision(fire_time, None, f"the next time outside quiet hours is more than "
                                         f"{campaign.max_delay_hours} h after {fire_time:%Y-%m-%d %H:%M} UTC")
    if send_at > max(now, fire_time):
        return Decision(fire_time, send_at, f"held until {send_at.astimezone(TZ):%H:%M} (quiet hours {quiet})")
    return Decision(fire_time, send_at, "on time" if late <= ON_TIME else f"{hours:.1f} h late, sent now")


def next_prompt(session: Session, campaign: Campaign) -> Prompt | None:
    """The first prompt of the campaign that has not gone out yet (a skipped time uses none)."""
    sent = set(session.scalars(select(CampaignSend.prompt_id).where(
        CampaignSend.campaign_id == campaign.id, CampaignSend.outcome.in_(("scheduled", "manual")))))
    return next((p for p in campaign.prompts if p.id not in sent), None)


@dataclass
class TickResult:
    campaign_id: str
    decisions: list[tuple[datetime, str, str]] = field(default_factory=list)  # (fire time, outcome, reason)
    broadcast: BroadcastResult | None = None


def campaign_tick(sessions: sessionmaker[Session], campaign: Campaign, *, now: datetime,
                  quiet: QuietHours, default_language: str = "da") -> TickResult:
    """Handle every cadence time of `campaign` that is due by `now` and not yet handled."""
    result = TickResult(campaign.id)
    try:
        with sessions.begin() as s:
            begin_write(s)
            last = as_utc(s.scalar(select(func.max(CampaignSend.fire_time))
                                   .where(CampaignSend.campaign_id == campaign.id)))
            _, end = campaign.window()
            due = fire_times(campaign, last, min(now, end))
            if not due:
                return result
            for old in due[:-1]:
                # Only the latest missed time can still be sent; older ones are recorded as skipped.
                s.add(CampaignSend(campaign_id=campaign.id, fire_time=old, decided_at=now, outcome="skipped",
                                   reason="a later cadence time was also missed"))
                result.decisions.append((old, "skipped", "a later cadence time was also missed"))
            decision = decide(campaign, due[-1], now, quiet)
            prompt = next_prompt(s, campaign) if decision.send_at is not None else None
            if decision.send_at is None or prompt is None:
                reason = decision.reason if decision.send_at is None else "every prompt has been sent"
                s.add(CampaignSend(campaign_id=campaign.id, fire_time=decision.fire_time, decided_at=now,
                                   outcome="skipped", reason=reason))
                result.decisions.append((decision.fire_time, "skipped", reason))
                log.warning("campaign %s: cadence time %s skipped: %s", campaign.id, decision.fire_time, reason)
                return result
            sent = broadcast_prompt(s, prompt, now=now, send_at=decision.send_at, default_language=default_language)
            s.add(CampaignSend(campaign_id=campaign.id, prompt_id=prompt.id, fire_time=decision.fire_time,
                               decided_at=now, send_at=decision.send_at, outcome="scheduled",
                               reason=decision.reason, recipients=sent.queued))
            result.decisions.append((decision.fire_time, "scheduled", decision.reason))
            result.broadcast = sent
            log.info("campaign %s: %s (%s)", campaign.id, sent, decision.reason)
    except IntegrityError:
        # Another leader (for a moment there may be two) handled this cadence time first.
        log.info("campaign %s: cadence time already handled elsewhere", campaign.id)
        return TickResult(campaign.id)
    return result


def send_now(sessions: sessionmaker[Session], prompt: Prompt, *, now: datetime, quiet: QuietHours,
             default_language: str = "da", reason: str = "send-now") -> BroadcastResult:
    """A facilitator's send-now: the same rules (quiet hours, one a day, dedupe), recorded as manual."""
    send_at = quiet.next_allowed(now)
    with sessions.begin() as s:
        begin_write(s)
        result = broadcast_prompt(s, prompt, now=now, send_at=send_at, default_language=default_language)
        s.add(CampaignSend(campaign_id=prompt.campaign_id, prompt_id=prompt.id, fire_time=None, decided_at=now,
                           send_at=send_at, outcome="manual", reason=reason[:200], recipients=result.queued))
    return result


# ------------------------------------------------------------------------------------ periodic jobs

@dataclass(frozen=True)
class Periodic:
    name: str
    func: str      # "module:function" — APScheduler stores it by reference; async def runs on the loop
    trigger: Any   # an APScheduler trigger (CronTrigger / IntervalTrigger), Copenhagen time
    kwargs: dict = field(default_factory=dict)


_PERIODIC: dict[str, Periodic] = {}


def add_periodic(name: str, func: str, trigger: Any, **kwargs: Any) -> None:
    """Register a job that runs on `trigger` in exactly one process (the leader), surviving restarts.

    `func` is a textual reference "package.module:function" so the job store can persist it; it gets
    `kwargs`, and can reach the running program through `bot.scheduler.runtime()` (sessions, settings,
    clock). Prefer `async def` (run on the event loop; on SQLite that keeps writes in one thread).
    """
    if ":" not in func:
        raise ValueError(f"func must be 'module:function', got {func!r}")
    _PERIODIC[name] = Periodic(name, func, trigger, dict(kwargs))
    if _RUNTIME is not None and _RUNTIME.scheduler is not None and _RUNTIME.scheduler.running:
        _install(_RUNTIME.scheduler, _PERIODIC[name])


def periodic_jobs() -> dict[str, Periodic]:
    return dict(_PERIODIC)


# ------------------------------------------------------------------------------------ the runtime

@dataclass
class Runtime:
    """What jobs need while they run in this process (jobs are persisted by reference, not by value)."""

    sessions: sessionmaker[Session]
    campaigns: tuple[Campaign, ...]
    quiet: QuietHours
    default_language: str = "da"
    clock: Clock = system_clock
    settings: Any = None
    scheduler: Any = None
    inline_db: bool = True

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.inline_db:
            return fn(*args)
        return await asyncio.to_thread(fn, *args)


_RUNTIME: Runtime | None = None


def runtime() -> Runtime:
    if _RUNTIME is None:
        raise RuntimeError("no scheduler runtime in this process")
    return _RUNTIME


async def run_campaign(campaign_id: str) -> None:
    """The APScheduler job of one campaign's cadence."""
    rt = runtime()
    campaign = find_campaign(rt.campaigns, campaign_id)
    if campaign is None:
        log.warning("campaign %s is no longer in the content; its job does nothing", campaign_id)
        return
    await rt.db(lambda: campaign_tick(rt.sessions, campaign, now=rt.clock(), quiet=rt.quiet,
                                      default_language=rt.default_language))


def _job_name(kind: str, what: str, trigger: Any) -> str:
    # The name carries the definition: an unchanged job is kept (with its stored next run time, so a
    # time missed while we were down still fires); a changed one is replaced.
    return f"{kind} {what} {trigger!r}"[:500]


def _install(scheduler: Any, periodic: Periodic) -> None:
    job_id = f"periodic:{periodic.name}"
    name = _job_name("periodic", periodic.func, periodic.trigger) + repr(sorted(periodic.kwargs.items()))
    existing = scheduler.get_job(job_id)
    if existing is not None and existing.name == name:
        return
    scheduler.add_job(periodic.func, periodic.trigger, id=job_id, name=name, kwargs=periodic.kwargs,
                      replace_existing=True)


def sync_jobs(scheduler: Any, campaigns: tuple[Campaign, ...]) -> None:
    """Make the job store match the content: one job per campaign, plus the registered periodic jobs."""
    wanted: set[str] = set()
    for campaign in campaigns:
        job_id = f"campaign:{campaign.id}"
        wanted.add(job_id)
        trigger = cadence_trigger(campaign)
        name = _job_name("campaign", campaign.id, trigger)
        existing = scheduler.get_job(job_id)
        if existing is not None and existing.name == name:
            continue
        scheduler.add_job("bot.scheduler:run_campaign", trigger, args=[campaign.id], id=job_id, name=name,
                          replace_existing=True)
    for periodic in _PERIODIC.values():
        wanted.add(f"periodic:{periodic.name}")
        _install(scheduler, periodic)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("scheduler: removing job %s (no longer defined)", job.id)
            job.remove()


def make_scheduler(engine: Engine):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    class _Scheduler(AsyncIOScheduler):
        # A wakeup queued just before shutdown may run just after it, when the loop is already let go.
        def _start_timer(self, wait_seconds):  # noqa: ANN001, ANN202
            if self._eventloop is not None:
                super()._start_timer(wait_seconds)

        def wakeup(self):  # noqa: ANN202
            if self._eventloop is not None:
                super().wakeup()

    return _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=TZ,
    )


# ------------------------------------------------------------------------------------ leadership

LEADER_KEY = int.from_bytes(hashlib.sha256(b"samtale:scheduler").digest()[:8], "big", signed=True)


class Leadership:
    """Exactly one leader among the processes sharing a database."""

    def __init__(self, url: str, *, retry_seconds: float = 10.0, check_seconds: float = 5.0,
                 key: int = LEADER_KEY) -> None:
        self.url = url
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.key = key
        self.leading = False
        self._engine: Engine | None = None
        self._conn: Any = None
        self._file: FileLock | None = None

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    def try_acquire(self) -> bool:
        if self.is_postgres:
            if self._engine is None:
                # Keepalives, so a leader whose machine vanishes loses the lock in ~25 s, not hours.
                self._engine = create_engine(self.url, poolclass=NullPool, connect_args={
                    "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
                    "connect_timeout": 10})
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


class Scheduler:
    """The campaign scheduler of one process: runs APScheduler while this process leads."""

    def __init__(self, sessions: sessionmaker[Session], url: str, campaigns: tuple[Campaign, ...], *,
                 quiet: QuietHours, default_language: str = "da", clock: Clock = system_clock,
                 retry_seconds: float = 10.0, check_seconds: float = 5.0, settings: Any = None) -> None:
        self.url = url
        self.campaigns = campaigns
        self.leadership = Leadership(url, retry_seconds=retry_seconds, check_seconds=check_seconds)
        self.runtime = Runtime(sessions, campaigns, quiet, default_language, clock, settings,
                               inline_db=not url.startswith("postgresql"))
        self._jobstore_engine: Engine | None = None
        self.elected = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self.leadership.leading

    def add_periodic(self, name: str, func: str, trigger: Any, **kwargs: Any) -> None:
        add_periodic(name, func, trigger, **kwargs)

    async def _elected(self) -> None:
        from storage.db import make_engine

        global _RUNTIME
        _RUNTIME = self.runtime  # what this process's jobs see while it leads
        self._jobstore_engine = make_engine(self.url)
        scheduler = make_scheduler(self._jobstore_engine)
        scheduler.start(paused=True)
        sync_jobs(scheduler, self.campaigns)
        scheduler.resume()
        self.runtime.scheduler = scheduler
        # Catch up at once (idempotent): a cadence time missed while no one led is decided by the rules.
        for campaign in self.campaigns:
            try:
                await self.runtime.db(lambda c=campaign: campaign_tick(
                    self.runtime.sessions, c, now=self.runtime.clock(), quiet=self.runtime.quiet,
                    default_language=self.runtime.default_language))
            except Exception:  # noqa: BLE001 - one campaign's trouble must not stop the others
                log.exception("campaign %s: catch-up failed", campaign.id)
        self.elected.set()

    async def _deposed(self) -> None:
        scheduler, self.runtime.scheduler = self.runtime.scheduler, None
        self.elected.clear()
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop
        if self._jobstore_engine is not None:
            self._jobstore_engine.dispose()
            self._jobstore_engine = None

    async def run(self, stop: asyncio.Event, *, start_delay: float = 0.0) -> None:
        if start_delay:
            # Let the platforms answer first: someone typing /start should not wait for an election.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), start_delay)
            if stop.is_set():
                return
        await self.leadership.run(stop, self._elected, self._deposed)


def describe_jobs(engine: Engine) -> list[tuple[str, datetime | None]]:
    """(job id, next run time) from the job store, for the CLI, without starting a scheduler."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    with engine.connect() as conn:
        rows = conn.execute(select(store.jobs_t.c.id, store.jobs_t.c.next_run_time)).all()
    return [(job_id, datetime.fromtimestamp(ts, timezone.utc) if ts is not None else None) for job_id, ts in rows]



# ------------------------------------------------------------------------------------ the services

class Services:
    """What runs beside the platforms in `samtale run`: the scheduler (leader only) and outbox workers."""

    def __init__(self, app: Any, platforms: list[str], *, console_user: str | None = None,
                 console_out: Any = None, console_render: Callable[[Any], None] | None = None,
                 clock: Clock = system_clock) -> None:
        self.app = app
        self.platforms = platforms
        self.console_user = console_user
        self.console_out = console_out
        self.console_render = console_render
        self.clock = clock
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.workers: list[Any] = []
        self.senders: list[Any] = []
        self.scheduler: Scheduler | None = None

    def worker_settings(self, platform: str) -> Any:
        from bot.delivery.pacing import PlatformLimits
        from bot.delivery.worker_settings import WorkerSettings

        o = self.app.settings.outbox
        c = self.app.settings.campaigns
        rate = {"telegram": o.telegram_rate, "discord": o.discord_rate}.get(platform, o.console_rate)
        per_chat = {"telegram": o.telegram_per_chat_seconds, "discord": o.discord_per_chat_seconds}.get(platform, 0.0)
        return WorkerSettings(limits=PlatformLimits(rate, per_chat), lease_seconds=o.lease_seconds,
                              max_attempts=o.max_attempts, batch=o.batch, concurrency=o.concurrency,
                              poll_seconds=o.poll_seconds, quiet=QuietHours.parse(c.quiet_start, c.quiet_end),
                              answer_window=timedelta(hours=c.answer_window_hours))

    async def _sender(self, platform: str) -> Any | None:
        from bot.delivery.senders import ConsoleSender

        settings = self.app.settings
        if platform == "console":
            return ConsoleSender(self.console_user or "console", self.console_out, self.console_render)
        if platform == "telegram" and settings.telegram_token:
            from bot.platforms.telegram.sender import TelegramSender

            sender = TelegramSender.from_settings(settings.telegram_token, settings.telegram.api_base_url,
                                                  settings.telegram.api_base_file_url,
                                                  connections=settings.outbox.concurrency + 4,
                                                  http_client=settings.telegram.http_client)
            await sender.start()
            return sender
        if platform == "discord":
            try:
                from bot.platforms.discord.sender import make_sender  # type: ignore[import-not-found]
            except ImportError:
                log.info("discord: no outbox sender yet; prompts for Discord users wait in the outbox")
                return None
            return await make_sender(self.app)
        return None

    async def start(self) -> None:
        from bot.delivery.worker import Worker
        from content.campaigns import load_campaigns
        from handlers.campaigns import use_campaign_folder
        from storage.db import normalise_url

        settings = self.app.settings
        campaigns = load_campaigns(settings.campaigns.folder)  # a bad file stops the start here
        use_campaign_folder(settings.campaigns.folder)
        url = normalise_url(settings.database.url)
        if settings.scheduler.enabled:
            from bot.cli.events import register_jobs
            from bot.maintenance import register_jobs as register_housekeeping

            register_jobs()
            register_housekeeping(settings)
            self.scheduler = Scheduler(
                self.app.sessions, url, campaigns,
                quiet=QuietHours.parse(settings.campaigns.quiet_start, settings.campaigns.quiet_end),
                default_language=settings.default_language, clock=self.clock,
                retry_seconds=settings.scheduler.leader_retry_seconds,
                check_seconds=settings.scheduler.leader_check_seconds, settings=settings)
            self.tasks.append(asyncio.create_task(
                self.scheduler.run(self.stop_event, start_delay=settings.scheduler.start_delay_seconds),
                name="scheduler"))
        for platform in self.platforms:
            try:
                sender = await self._sender(platform)
            except Exception as exc:  # noqa: BLE001 - the platform itself reports a bad token; keep running
                log.error("outbox %s: cannot start its sender: %s", platform, exc)
                continue
            if sender is None:
                continue
            self.senders.append(sender)
            worker = Worker(self.app.sessions, sender, self.worker_settings(platform), clock=self.clock,
                            only_chat=self.console_user if platform == "console" else None)
            try:
                await worker.start()
            except RuntimeError as exc:
                log.warning("outbox %s: %s; this process will not deliver for it", platform, exc)
                await worker.close()
                continue
            self.workers.append(worker)
            if platform == "console":
                # What waited for this person is shown before they type anything.
                await worker.send_ready()
            self.tasks.append(asyncio.create_task(worker.run(self.stop_event), name=f"outbox-{platform}"))
        self._start_crisis_alerts()

    def _start_crisis_alerts(self) -> None:
        from bot.crisis_alerts import run_alerts

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
                       language=self.app.settings.default_language, clock=self.clock), name="crisis-alerts"))

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


async def start_services(app: Any, platforms: list[str], **kw: Any) -> Services:
    kw.setdefault("clock", app.clock)
    services = Services(app, platforms, **kw)
    await services.start()
    return services
