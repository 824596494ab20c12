"""APScheduler in the project database: jobs persist and are not duplicated across restarts, a run
missed while down happens once, the periodic job list is installed and run, one leader on SQLite too."""
from __future__ import annotations

import asyncio
import pickle
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone

from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import ref_to_obj
from sqlalchemy import func, select, text, update

from bot.delivery.quiet_hours import QuietHours
from bot.scheduling.jobs import PeriodicJob, periodic_jobs
from bot.scheduling.runtime import Runtime, scheduled
from bot.scheduling.scheduler import Scheduler, describe_jobs
from content.campaigns import TZ, load_campaigns
from storage.campaign_models import CampaignSend, apscheduler_jobs
from bench.loopback.subscribers import add_subscribers

WINTER = load_campaigns()[0]
CALLS: list[tuple[str, Runtime]] = []


@scheduled
async def record_call(rt: Runtime, label: str = "x") -> None:
    CALLS.append((label, rt))


async def leading(scheduler: Scheduler, stop: asyncio.Event) -> asyncio.Task:
    task = asyncio.create_task(scheduler.run(stop))
    async with asyncio.timeout(10):
        await scheduler.elected.wait()
    return task


def campaign_not_yet_started():
    """The shipped winter campaign moved to start on a Tuesday one to two weeks from today, whatever today
    is (APScheduler reads the wall clock): nothing is due, and its first run is known."""
    today = datetime.now(TZ).date()
    start = today + timedelta(days=7 + (1 - today.weekday()) % 7)
    later = replace(WINTER, id="test-later", starts=start, ends=start + timedelta(days=60),
                    prompts=tuple(replace(p, campaign_id="test-later") for p in WINTER.prompts))
    return later, datetime.combine(start, time(10), TZ).astimezone(timezone.utc)


def campaign_due_an_hour_ago():
    fire = (datetime.now(timezone.utc) - timedelta(hours=1)).astimezone(TZ).replace(second=0, microsecond=0)
    day = fire.strftime("%a").lower()
    today = fire.date()
    return replace(WINTER, id="test-now", cadence=f"{fire.minute} {fire.hour} * * {day}",
                   starts=today, ends=today + timedelta(days=30),
                   prompts=tuple(replace(p, campaign_id="test-now") for p in WINTER.prompts)), fire


async def test_jobs_live_in_the_database_and_survive_a_restart_unchanged(sqlite_app):
    app = sqlite_app
    url = app.settings.database.url
    stop = asyncio.Event()
    later, first_run = campaign_not_yet_started()
    first = Scheduler(app.sessions, url, (later,), quiet=QuietHours())
    task = await leading(first, stop)
    jobs = dict(describe_jobs(app.engine))
    stop.set()
    await task
    assert jobs["campaign:test-later"] == first_run
    with app.engine.connect() as conn:
        state_before = conn.execute(select(apscheduler_jobs.c.job_state)).scalar()
    stop = asyncio.Event()
    again = Scheduler(app.sessions, url, (later,), quiet=QuietHours())
    task = await leading(again, stop)
    stop.set()
    await task
    with app.engine.connect() as conn:
        rows = conn.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.job_state)).all()
    assert [r.id for r in rows] == ["campaign:test-later"] and rows[0].job_state == state_before


async def test_a_run_missed_while_down_happens_once(app):
    campaign, fire = campaign_due_an_hour_ago()
    with app.sessions.begin() as s:
        add_subscribers(s, 3)
    url = app.settings.database.url
    stop = asyncio.Event()
    first = Scheduler(app.sessions, url, (campaign,), quiet=QuietHours.parse("00:00", "00:00"))
    task = await leading(first, stop)
    stop.set()
    await task
    # Pretend the process was down over the cadence time: the stored next run is an hour ago …
    with app.sessions.begin() as s:
        s.execute(text("DELETE FROM campaign_sends"))
        s.execute(text("DELETE FROM outbox"))
        state = pickle.loads(s.execute(select(apscheduler_jobs.c.job_state)).scalar())
        state["next_run_time"] = fire
        s.execute(update(apscheduler_jobs).values(next_run_time=fire.timestamp(), job_state=pickle.dumps(state)))
    stop = asyncio.Event()
    second = Scheduler(app.sessions, url, (campaign,), quiet=QuietHours.parse("00:00", "00:00"))
    task = await leading(second, stop)
    await asyncio.sleep(1.0)  # the catch-up tick and the misfired job both run; one of them acts
    stop.set()
    await task
    with app.sessions() as s:
        rows = s.execute(select(CampaignSend.outcome, CampaignSend.recipients)).all()
        queued = s.scalar(text("SELECT count(*) FROM outbox"))
    assert rows == [("scheduled", 3)] and queued == 3
    [(_, next_run)] = describe_jobs(app.engine)
    assert next_run > datetime.now(timezone.utc) + timedelta(days=6)  # the job itself ran and moved on


async def test_the_periodic_job_list_is_installed_by_the_leader_and_runs(sqlite_app):
    app = sqlite_app
    CALLS.clear()
    heartbeat = PeriodicJob("test-heartbeat", "tests.bot.test_scheduler_jobs:record_call", IntervalTrigger(seconds=0.2),
                            {"label": "beat"})
    jobs = (*periodic_jobs(app.settings), heartbeat)
    stop = asyncio.Event()
    scheduler = Scheduler(app.sessions, app.settings.database.url, (), quiet=QuietHours(), settings=app.settings,
                          jobs=jobs)
    task = await leading(scheduler, stop)
    async with asyncio.timeout(5):
        while len(CALLS) < 2:
            await asyncio.sleep(0.05)
    assert sorted(job for job, _ in describe_jobs(app.engine)) == sorted(f"periodic:{j.name}" for j in jobs)
    stop.set()
    await task
    assert {label for label, _ in CALLS} == {"beat"}
    assert all(rt is scheduler.runtime for _, rt in CALLS)  # each job gets its own scheduler's runtime


async def test_every_periodic_job_runs_with_the_runtime(sqlite_app, clock):
    jobs = periodic_jobs(sqlite_app.settings)
    assert {j.name for j in jobs} == {"events", "retention", "prompt-summaries", "weekly-digest", "checkin-offers",
                                        "conversation", "referrals"}
    rt = Runtime(sqlite_app.sessions, (), QuietHours(), clock=clock, settings=sqlite_app.settings)
    for job in jobs:
        func = ref_to_obj(job.func)
        assert asyncio.iscoroutinefunction(func), job.func
        await func(rt, **job.kwargs)  # nothing to do in an empty database, but every job gets that far
    off = sqlite_app.settings.model_copy(update={"insights": sqlite_app.settings.insights.model_copy(
        update={"weekly_digest": False})})
    assert "weekly-digest" not in {j.name for j in periodic_jobs(off)}


async def test_a_stored_job_whose_function_is_gone_is_installed_afresh(sqlite_app):
    """A job stored by an older version, naming a function that has moved, does not stop the leader."""
    app = sqlite_app
    later, first_run = campaign_not_yet_started()
    stop = asyncio.Event()
    task = await leading(Scheduler(app.sessions, app.settings.database.url, (later,), quiet=QuietHours()), stop)
    stop.set()
    await task
    with app.sessions.begin() as s:
        state = pickle.loads(s.execute(select(apscheduler_jobs.c.job_state)).scalar())
        state["func"] = "bot.moved_away:run_campaign"
        s.execute(update(apscheduler_jobs).values(job_state=pickle.dumps(state)))
    stop = asyncio.Event()
    task = await leading(Scheduler(app.sessions, app.settings.database.url, (later,), quiet=QuietHours()), stop)
    stop.set()
    await task
    assert describe_jobs(app.engine) == [("campaign:test-later", first_run)]
    with app.engine.connect() as conn:
        state = pickle.loads(conn.execute(select(apscheduler_jobs.c.job_state)).scalar())
    assert state["func"] == "bot.scheduling.jobs:campaign_job"


async def test_one_leader_on_sqlite_and_the_next_takes_over(sqlite_app):
    app = sqlite_app
    url = app.settings.database.url
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    later, _ = campaign_not_yet_started()
    a = Scheduler(app.sessions, url, (later,), quiet=QuietHours(), retry_seconds=0.1)
    b = Scheduler(app.sessions, url, (later,), quiet=QuietHours(), retry_seconds=0.1)
    task_a = await leading(a, stop_a)
    task_b = asyncio.create_task(b.run(stop_b))
    await asyncio.sleep(0.5)
    assert a.leading and not b.leading
    stop_a.set()
    await task_a
    async with asyncio.timeout(5):
        await b.elected.wait()
    assert b.leading
    stop_b.set()
    await task_b
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CampaignSend)) == 0  # nothing was due


async def test_stopping_in_the_middle_of_a_job_logs_no_traceback(caplog):
    """Closing the console's stdin stops the scheduler while a job waits on the database: no CancelledError
    traceback (the job is idempotent; its next run does the rest)."""
    from types import SimpleNamespace

    from apscheduler.executors.base import run_coroutine_job

    from bot.scheduling.scheduler import _WithRuntime

    started = asyncio.Event()

    async def slow(rt) -> None:  # noqa: ANN001
        started.set()
        await asyncio.sleep(3600)

    job = SimpleNamespace(id="events", func=slow, args=(), kwargs={}, misfire_grace_time=None,
                          __str__=lambda self: "events")
    wrapped = _WithRuntime(job, runtime=None)
    task = asyncio.ensure_future(run_coroutine_job(wrapped, "default", [datetime.now(timezone.utc)], "apscheduler"))
    await started.wait()
    task.cancel()
    with caplog.at_level("INFO"):
        await asyncio.gather(task, return_exceptions=True)
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    assert any("stopped by the shutdown" in r.getMessage() for r in caplog.records)
