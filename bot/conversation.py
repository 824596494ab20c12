"""The conversation's hourly analysis (a leader job): opinion groups, representative statements and
consensus from the votes (insights/conversation_run.py), run only when something changed."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.scheduling.runtime import Runtime, scheduled
from storage.statement_queries import state

log = logging.getLogger(__name__)


def analyse_conversation(sessions: sessionmaker[Session], now: datetime, k: int, *, force: bool = False) -> bool:
    """Run the analysis if a vote or a statement changed since the last; True when it ran."""
    # Imported here: scikit-learn takes about a second to load, and only the leader's job needs it.
    from insights.conversation_run import run

    with sessions.begin() as session:
        if not force and not state(session).dirty:
            return False
        summary = run(session, now, k)
    log.info("conversation: %d group(s) published over %d statement(s)", len(summary["groups"]),
             summary["statements"])
    return True


@scheduled
async def conversation_job(rt: Runtime) -> None:
    """Hourly: the opinion groups from the votes (insights/conversation.py)."""
    await rt.db(lambda: analyse_conversation(rt.sessions, rt.clock(), rt.settings.insights.k))
