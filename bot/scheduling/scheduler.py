"""APScheduler 3 in the leader: the jobs persisted in the project database, each called with its scheduler's runtime."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timezone
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.util import iscoroutinefunction_partial
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.quiet_hours import QuietHours
from bot.scheduling.cadence import cadence_trigger
from bot.scheduling.jobs import PeriodicJob, campaign_job, tick
from bot.scheduling.leader import Leadership
from bot.scheduling.runtime import Runtime
from content.campaigns import TZ, Campaign
from storage.clock import Clock, system_clock
from storage.db import make_engine

log = logging.getLogger(__name__)


class _WithRuntime:
    """A stored job as APScheduler's run_job / run_coroutine_job see it, with the runtime as first argument."""

    def __init__(self, job: Job, runtime: Runtime) -> None:
        self._job = job
        self.args = (runtime, *job.args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    @property
    def func(self) -> Any:
        """The job's function; a coroutine one ends quietly when stopping cancels it (stdin closed, Ctrl-C,
        SIGTERM) instead of APScheduler logging a CancelledError traceback: every job is idempotent, so
        its next run does what this one did not."""
        inner = self._job.func
        if not iscoroutinefunction_partial(inner):
            return inner
        job_id = self._job.id

        async def until_stopped(*args: Any, **kwargs: Any) -> Any:
            try:
                return await inner(*args, **kwargs)
            except asyncio.CancelledError:
                log.info("job %s stopped by the shutdown; its next run does the rest", job_id)
                return None

        return until_stopped

    def __str__(self) -> str:
        return str(self._job)


class RuntimeExecutor(AsyncIOExecutor):
    """Runs each job as `func(runtime, *args, **kwargs)`, with the runtime of the scheduler it belongs to.

    The job store keeps functions by reference, so the running program cannot be pickled into a job;
    it is handed over here, per scheduler, instead of through a module-level variable.
    """

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        super()._do_submit_job(_WithRuntime(job, self.runtime), run_times)


class _AsyncIOScheduler(AsyncIOScheduler):
    # A wakeup queued just before shutdown may run just after it, when the loop is already let go.
    def _start_timer(self, wait_seconds):  # noqa: ANN001, ANN202
        if self._eventloop is not None:
            super()._start_timer(wait_seconds)

    def wakeup(self):  # noqa: ANN202
        if self._eventloop is not None:
            super().wakeup()


def make_scheduler(engine: Engine, runtime: Runtime) -> AsyncIOScheduler:
    """Jobs live in an SQLAlchemyJobStore in the project database, so they survive restarts; a job missed
    while the bot was down runs once when it comes back (coalesce, no grace limit) and the rules decide."""
    return _AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        executors={"default": RuntimeExecutor(runtime)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=TZ,
    )


def _job_name(kind: str, what: str, trigger: BaseTrigger) -> str:
    # The name carries the definition: an unchanged job is kept (with its stored next run time, so a
    # time missed while we were down still fires); a changed one is replaced.
    return f"{kind} {what} {trigger!r}"[:500]


def wanted_jobs(campaigns: tuple[Campaign, ...], jobs: tuple[PeriodicJob, ...]) -> dict[str, dict[str, Any]]:
    """Job id → the arguments of `add_job`: one job per campaign, one per periodic job."""
    wanted: dict[str, dict[str, Any]] = {}
    for campaign in campaigns:
        trigger = cadence_trigger(campaign)
        wanted[f"campaign:{campaign.id}"] = {"func": campaign_job, "trigger": trigger, "args": [campaign.id],
                                             "name": _job_name("campaign", campaign.id, trigger)}
    for job in jobs:
        name = _job_name("periodic", job.func, job.trigger) + repr(sorted(job.kwargs.items()))
        wanted[f"periodic:{job.name}"] = {"func": job.func, "trigger": job.trigger, "kwargs": dict(job.kwargs),
                                          "name": name}
    return wanted


def sync_jobs(scheduler: AsyncIOScheduler, campaigns: tuple[Campaign, ...], jobs: tuple[PeriodicJob, ...]) -> None:
    """Make the job store match the content and the job list; leave unchanged jobs as they are."""
    # Listing the store also drops a job whose function is gone (APScheduler logs it and removes it), e.g.
    # one stored by an older version: it is installed afresh below, and the leader's catch-up tick
    # decides a campaign time it may have missed.
    stored = {job.id: job for job in scheduler.get_jobs()}
    wanted = wanted_jobs(campaigns, jobs)
    for job_id, spec in wanted.items():
        existing = stored.get(job_id)
        if existing is None or existing.name != spec["name"]:
            scheduler.add_job(id=job_id, replace_existing=True, **spec)
    for job_id, job in stored.items():
        if job_id not in wanted:
            log.info("scheduler: removing job %s (no longer defined)", job_id)
            job.remove()


class Scheduler:
    """The scheduler of one process: runs APScheduler, with the campaign and periodic jobs, while this process leads."""

    def __init__(self, sessions: sessionmaker[Session], url: str, campaigns: tuple[Campaign, ...], *,
                 quiet: QuietHours, default_language: str = "da", clock: Clock = system_clock,
                 retry_seconds: float = 10.0, check_seconds: float = 5.0, settings: Any = None,
                 jobs: tuple[PeriodicJob, ...] = ()) -> None:
        self.url = url
        self.campaigns = campaigns
        self.jobs = jobs
        self.leadership = Leadership(url, retry_seconds=retry_seconds, check_seconds=check_seconds)
        self.runtime = Runtime(sessions, campaigns, quiet, default_language, clock, settings,
                               inline_db=not url.startswith("postgresql"))
        self._aps: AsyncIOScheduler | None = None
        self._jobstore_engine: Engine | None = None
        self.elected = asyncio.Event()

    @property
    def leading(self) -> bool:
        return self.leadership.leading

    async def _elected(self) -> None:
        self._jobstore_engine = make_engine(self.url)
        aps = make_scheduler(self._jobstore_engine, self.runtime)
        aps.start(paused=True)
        sync_jobs(aps, self.campaigns, self.jobs)
        aps.resume()
        self._aps = aps
        # Catch up at once (idempotent): a cadence time missed while no one led is decided by the rules.
        for campaign in self.campaigns:
            try:
                await tick(self.runtime, campaign)
            except Exception:  # noqa: BLE001 - one campaign's trouble must not stop the others
                log.exception("campaign %s: catch-up failed", campaign.id)
        self.elected.set()

    async def _deposed(self) -> None:
        aps, self._aps = self._aps, None
        self.elected.clear()
        if aps is not None and aps.running:
            aps.shutdown(wait=False)
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
    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    with engine.connect() as conn:
        rows = conn.execute(select(store.jobs_t.c.id, store.jobs_t.c.next_run_time)).all()
    return [(job_id, datetime.fromtimestamp(ts, timezone.utc) if ts is not None else None) for job_id, ts in rows]
