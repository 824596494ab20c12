"""Queue a facilitator alert that a crisis reply was given: a count and a time, no text, no identity."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.safety_models import PENDING, CrisisAlert


def note_crisis_reply(session: Session, chats: tuple[str, ...], now: datetime) -> None:
    """Count one crisis reply towards the waiting alert of each configured chat ("platform:chat").

    Runs in the message's own transaction, so an alert exists exactly when the reply's message was
    handled. A waiting alert is bumped rather than a new one queued: a busy evening gives the
    facilitators "7 crisis replies between 21.02 and 21.40", not seven pings.
    """
    for ref in chats:
        platform, chat = ref.split(":", 1)
        bumped = session.execute(
            update(CrisisAlert)
            .where(CrisisAlert.platform == platform, CrisisAlert.chat == chat, CrisisAlert.status == PENDING)
            .values(count=CrisisAlert.count + 1, last_at=now)
            .execution_options(synchronize_session=False))
        if not bumped.rowcount:
            session.add(CrisisAlert(platform=platform, chat=chat, count=1, first_at=now, last_at=now,
                                    status=PENDING, attempts=0))
