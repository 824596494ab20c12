"""Periodic housekeeping run by the leading scheduler: retention, the weekly digest, prompt summaries."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

log = logging.getLogger(__name__)


def _runtime():
    from bot.scheduler import runtime

    return runtime()


async def retention_job() -> None:
    """Delete reflection text past privacy.retention_days (themes and counts remain) and stale bookkeeping."""
    from storage.db import scrub_sqlite_journal
    from storage.retention import purge, purge_bookkeeping

    rt = _runtime()
    with rt.sessions() as session:
        done = purge(session, rt.clock(), rt.settings.privacy.retention_days)
        keys, alerts = purge_bookkeeping(session, rt.clock(), rt.settings.privacy.retention_days)
        engine = session.get_bind()
    if done:
        scrub_sqlite_journal(engine)
    log.info("retention: deleted the text of %d reflection(s), %d old dedupe key(s), %d old crisis alert(s)",
             done, keys, alerts)


async def weekly_digest_job() -> None:
    """Last week's digest to every configured sink (a digest already delivered is skipped)."""
    from bot.insights.weekly import run_weekly_digest

    rt = _runtime()
    await run_weekly_digest(SimpleNamespace(settings=rt.settings, sessions=rt.sessions), rt.clock())


def closed_prompts_with_requests(session, now: datetime, window: timedelta) -> list[str]:
    """Prompts someone asked a summary of, whose answering window has ended."""
    from storage.campaign_models import CampaignSend, as_utc
    from storage.insight_models import SummaryRequest

    waiting = select(SummaryRequest.prompt_id).where(SummaryRequest.sent_at.is_(None)).distinct()
    last_sent = (select(CampaignSend.prompt_id, func.max(CampaignSend.send_at).label("sent"))
                 .where(CampaignSend.prompt_id.in_(waiting), CampaignSend.send_at.is_not(None))
                 .group_by(CampaignSend.prompt_id).subquery())
    rows = session.execute(select(last_sent.c.prompt_id, last_sent.c.sent)).all()
    return [pid for pid, sent in rows if sent is not None and as_utc(sent) + window <= now]


async def prompt_summaries_job() -> None:
    """After a prompt closes, people who asked get a k-anonymous summary of what others said."""
    from bot.insights.summaries import deliver_prompt_summaries

    rt = _runtime()
    now = rt.clock()
    window = timedelta(hours=rt.settings.campaigns.answer_window_hours)
    with rt.sessions() as session:
        prompts = closed_prompts_with_requests(session, now, window)
    for prompt_id in prompts:
        queued = deliver_prompt_summaries(rt.sessions, prompt_id, now, k=rt.settings.insights.k)
        log.info("summaries: %d queued for prompt %s", queued, prompt_id)


def register_jobs(settings) -> None:
    """Register the housekeeping jobs with bot.scheduler (installed by whichever process leads)."""
    from apscheduler.triggers.cron import CronTrigger

    from bot.insights.weekly import weekly_trigger
    from bot.scheduler import TZ, add_periodic

    add_periodic("retention", "bot.maintenance:retention_job", CronTrigger(hour=3, minute=17, timezone=TZ))
    add_periodic("prompt-summaries", "bot.maintenance:prompt_summaries_job", CronTrigger(minute=5, timezone=TZ))
    if settings.insights.weekly_digest:
        add_periodic("weekly-digest", "bot.maintenance:weekly_digest_job",
                     weekly_trigger(SimpleNamespace(settings=settings)))
