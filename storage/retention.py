"""Retention: raw reflection text older than the retention period is deleted; the rest remains."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import Consent, Participant, ProcessedMessage, Reflection
from storage.safety_models import SENT, CrisisAlert

# Platforms redeliver a message within hours (Telegram keeps an unconfirmed update for 24 h); a month
# of keys covers any redelivery and restart with room to spare, and keeps the table from growing forever.
DEDUPE_KEEP_DAYS = 30
# Someone who never answered the consent question is kept only while they may still answer it.
PENDING_KEEP = timedelta(days=1)

PURGED_TEXT = ""


@dataclass(frozen=True)
class PurgePlan:
    cutoff: datetime
    count: int
    oldest: datetime | None
    newest: datetime | None


def _due(cutoff: datetime):
    return (Reflection.created_at < cutoff) & Reflection.text_purged_at.is_(None)


def plan_purge(session: Session, now: datetime, retention_days: int) -> PurgePlan:
    cutoff = now - timedelta(days=retention_days)
    count, oldest, newest = session.execute(
        select(func.count(), func.min(Reflection.created_at), func.max(Reflection.created_at)).where(_due(cutoff))
    ).one()
    return PurgePlan(cutoff, count, oldest, newest)


def purge(session: Session, now: datetime, retention_days: int) -> int:
    """Blank the text of every reflection past retention in one statement; returns how many."""
    cutoff = now - timedelta(days=retention_days)
    result = session.execute(
        update(Reflection).where(_due(cutoff)).values(text=PURGED_TEXT, text_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount or 0


def purge_bookkeeping(session: Session, now: datetime, retention_days: int) -> tuple[int, int]:
    """Forget old dedupe keys and old sent crisis alerts; returns (keys, alerts) deleted.

    Neither holds personal data (keys are keyed hashes, alerts only counts), but nothing should be
    kept longer than it serves.
    """
    keys = session.execute(delete(ProcessedMessage)
                           .where(ProcessedMessage.processed_at < now - timedelta(days=DEDUPE_KEEP_DAYS)))
    alerts = session.execute(delete(CrisisAlert).where(CrisisAlert.status == SENT,
                                                       CrisisAlert.sent_at < now - timedelta(days=retention_days)))
    session.commit()
    return keys.rowcount or 0, alerts.rowcount or 0


def purge_pending(session: Session, now: datetime) -> int:
    """Delete everyone still "pending" (never answered the consent question) after a day; returns how many.

    Nothing is stored before consent; a pending row (identity, chat, the consent flow) exists only so the
    question can be answered. The database cascades to everything keyed by the participant.
    """
    signed_up = select(Consent.id).where(Consent.participant_id == Participant.id, Consent.purpose == "events",
                                         Consent.granted, Consent.withdrawn_at.is_(None)).exists()
    # Someone who only said yes to an event sign-up is not "never answered": their sign-up stays.
    result = session.execute(delete(Participant).where(Participant.consent_state == "pending",
                                                       Participant.created_at < now - PENDING_KEEP, ~signed_up)
                             .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0
