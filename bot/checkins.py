"""The check-in offer job: queue an offer, through the outbox, to everyone it is due for, outside quiet hours."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.quiet_hours import QuietHours
from bot.scheduling.runtime import Runtime, scheduled
from content.i18n import TZ
from handlers.checkins import offer_reply
from storage.campaign_models import PRIORITY_BULK
from storage.checkin_models import CheckinPrefs
from storage.checkin_queries import CheckinRules, due_offers
from storage.outbox import enqueue

log = logging.getLogger(__name__)

# One job run queues at most this many offers; the rest come at the next run (an hour later).
BATCH = 5000


def queue_checkin_offers(sessions: sessionmaker[Session], rules: CheckinRules, quiet: QuietHours,
                         now: datetime, *, default_language: str = "da", limit: int = BATCH) -> int:
    """Queue the offer for each person it is due for; returns how many. Nothing in quiet hours.

    Idempotent: the offer's time is noted in the same transaction, and the outbox row's dedupe key names
    the local day, so a rerun (or a second leader for a moment) adds nothing.
    """
    if not rules.enabled or quiet.contains(now):
        return 0
    day = now.astimezone(TZ).date().isoformat()
    queued = 0
    with sessions() as session:
        people = session.scalars(due_offers(rules, now).limit(limit)).all()
        for person in people:
            prefs = session.get(CheckinPrefs, person.id)
            if prefs is None:
                prefs = CheckinPrefs(participant_id=person.id)
                session.add(prefs)
            prefs.last_offered_at = now
            # quiet=True: should delivery be slow and reach the night, the row waits for the morning.
            queued += enqueue(session, kind="checkin", ref=day, participant_id=person.id,
                              platform=person.platform, intent=offer_reply(person.language or default_language),
                              now=now, priority=PRIORITY_BULK, quiet=True)
        session.commit()
    return queued


@scheduled
async def checkin_offers_job(rt: Runtime) -> None:
    """Hourly: offer a check-in to the people it is due for (never in quiet hours)."""
    settings = rt.settings.checkins
    rules = CheckinRules(settings.enabled, settings.first_after_days, settings.every_days)
    queued = await rt.db(lambda: queue_checkin_offers(rt.sessions, rules, rt.quiet, rt.clock(),
                                                      default_language=rt.default_language))
    log.info("checkins: %d offer(s) queued", queued)
