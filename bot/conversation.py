"""The conversation's hourly analysis (a leader job): opinion groups, representative statements and
consensus from the votes (insights/conversation_run.py)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.scheduling.runtime import Runtime, scheduled

log = logging.getLogger(__name__)


def analyse_conversation(sessions: sessionmaker[Session], now: datetime, k: int) -> dict:
    """Run the analysis (every hour, changed or not: a few seconds at 100,000 people, and erasures
    since the last run are then reflected too); returns the published summary."""
    # Imported here: scikit-learn takes about a second to load, and only the leader's job needs it.
    from insights.conversation_run import run

    with sessions.begin() as session:
        summary = run(session, now, k)
    log.info("conversation: %d group(s) published over %d statement(s)", len(summary["groups"]),
             summary["statements"])
    return summary


@scheduled
async def conversation_job(rt: Runtime) -> None:
    """Hourly: the opinion groups from the votes (insights/conversation.py)."""
    await rt.db(lambda: analyse_conversation(rt.sessions, rt.clock(), rt.settings.insights.k))
