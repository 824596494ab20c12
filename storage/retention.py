"""Retention: raw reflection text older than the retention period is deleted; the rest remains."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import Reflection

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
