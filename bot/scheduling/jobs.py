"""Every job the leader runs: the one list of periodic jobs, built from settings, and the campaign and events jobs."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings
from bot.knowledge_base.weekly import weekly_trigger
from bot.scheduling.cadence import campaign_tick
from bot.scheduling.runtime import Runtime, scheduled
from content.campaigns import TZ, Campaign, find_campaign
from handlers.events.config import EventsConfig
from handlers.events.reminders import events_tick

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """A job that runs on `trigger` in exactly one process (the leader), surviving restarts.

    APScheduler persists it by its textual reference, so the function (marked `@scheduled`) is called
    with the scheduler's `Runtime` first and takes everything else it needs from it. Prefer `async def`:
    it runs on the event loop, which on SQLite keeps writes beside the dispatcher's.
    """

    name: str
    func: str             # "package.module:function", so the job store can persist it
    trigger: BaseTrigger  # Copenhagen time
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if ":" not in self.func:
            raise ValueError(f"func must be 'module:function', got {self.func!r}")


def periodic_jobs(settings: Settings) -> tuple[PeriodicJob, ...]:
    """Every periodic job of the program, as configured — what the leader installs."""
    jobs = [
        PeriodicJob("events", "bot.scheduling.jobs:events_job", CronTrigger(minute="*", timezone=TZ)),
        PeriodicJob("retention", "bot.maintenance:retention_job", CronTrigger(hour=3, minute=17, timezone=TZ)),
        PeriodicJob("prompt-summaries", "bot.maintenance:prompt_summaries_job", CronTrigger(minute=5, timezone=TZ)),
        PeriodicJob("checkin-offers", "bot.checkins:checkin_offers_job", CronTrigger(minute=35, timezone=TZ)),
        PeriodicJob("conversation", "bot.conversation:conversation_job", CronTrigger(minute=45, timezone=TZ)),
        PeriodicJob("referrals", "bot.directory_referrals:referrals_job", CronTrigger(minute="*/5", timezone=TZ)),
    ]
    if settings.insights.weekly_digest:
        jobs.append(PeriodicJob("weekly-digest", "bot.maintenance:weekly_digest_job",
                                weekly_trigger(SimpleNamespace(settings=settings))))
    return tuple(jobs)


@scheduled
async def events_job(rt: Runtime) -> None:
    """Reminders that are due, and seats freed by cancellations and erasures given to the people waiting."""
    events = EventsConfig.from_settings(rt.settings.events if rt.settings is not None else None)
    await rt.db(lambda: events_tick(rt.sessions, rt.clock(), events))


@scheduled
async def campaign_job(rt: Runtime, campaign_id: str) -> None:
    """The job of one campaign's cadence (one cron job per campaign)."""
    campaign = find_campaign(rt.campaigns, campaign_id)
    if campaign is None:
        log.warning("campaign %s is no longer in the content; its job does nothing", campaign_id)
        return
    await tick(rt, campaign)


async def tick(rt: Runtime, campaign: Campaign) -> None:
    """Decide every due cadence time of `campaign` now (idempotent: a time is decided once)."""
    await rt.db(lambda: campaign_tick(rt.sessions, campaign, now=rt.clock(), quiet=rt.quiet,
                                      default_language=rt.default_language))
