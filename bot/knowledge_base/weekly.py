"""The weekly digest: what the scheduler runs (the previous ISO week, to every configured sink)."""
from __future__ import annotations

import logging
from datetime import datetime

from typing import TYPE_CHECKING

from insights.periods import last_complete_week

if TYPE_CHECKING:
    from bot.knowledge_base.sinks import Outcome

log = logging.getLogger(__name__)


async def run_weekly_digest(app, now: datetime) -> list[Outcome]:
    """Build last week's digest and deliver it once to every sink. Safe to run twice: a digest
    already delivered to a sink is skipped (same content, same idempotency key)."""
    # Imported here: the sinks pull in aiohttp (~1 s), which `samtale run` need not pay at start.
    from insights.digest import build_digest
    from bot.knowledge_base.sinks import build_sinks, deliver

    settings = app.settings.insights
    if not settings.weekly_digest or not settings.sinks:
        log.info("weekly digest: off or no sinks configured")
        return []
    period = last_complete_week(now)
    with app.sessions() as session:
        digest = build_digest(session, period, k=settings.k, quotes_per_area=settings.quotes_per_area,
                              terms=settings.emerging_terms, now=now)
    outcomes = await deliver(app.sessions, digest, build_sinks(settings), requested_by="scheduler")
    for o in outcomes:
        log.info("weekly digest %s → %s: %s (%d attempts) %s", period.id, o.sink, o.status, o.attempts,
                 o.error or "")
    return outcomes


def weekly_trigger(app):
    """An APScheduler CronTrigger for the configured day and time (Europe/Copenhagen)."""
    from apscheduler.triggers.cron import CronTrigger

    s = app.settings.insights
    hour, minute = (int(x) for x in s.weekly_time.split(":"))
    return CronTrigger(day_of_week=s.weekly_day, hour=hour, minute=minute, timezone="Europe/Copenhagen")
