"""What an operator asks of the database (samtale status, /metrics): outbox age, digest deliveries,
crisis alerts sent. Counts and times only; nothing of a person."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.campaign_models import QUEUED, OutboxMessage
from storage.insight_models import DigestDelivery
from storage.safety_models import CrisisAlert


def oldest_waiting(session: Session) -> dict[str, datetime]:
    """{platform: since when the longest-waiting sendable row has been due} (its available_at: a row held
    for quiet hours or a retry-after counts from when it may go). Read from the claim index, so it
    costs the same with 100,000 rows queued as with ten."""
    return {platform: at for platform, at in session.execute(
        select(OutboxMessage.platform, func.min(OutboxMessage.available_at))
        .where(OutboxMessage.status == QUEUED).group_by(OutboxMessage.platform))}


def digest_counts(session: Session) -> dict[tuple[str, str], int]:
    """{(sink, status): deliveries} over the whole log."""
    return {(sink, status): n for sink, status, n in session.execute(
        select(DigestDelivery.sink, DigestDelivery.status, func.count())
        .group_by(DigestDelivery.sink, DigestDelivery.status))}


def last_digest_per_sink(session: Session) -> dict[str, tuple[str, str, datetime]]:
    """{sink: (digest id, status, started_at)} of each sink's latest delivery attempt."""
    latest = (select(DigestDelivery.sink, func.max(DigestDelivery.id).label("id"))
              .group_by(DigestDelivery.sink).subquery())
    rows = session.execute(select(DigestDelivery.sink, DigestDelivery.digest_id, DigestDelivery.status,
                                  DigestDelivery.started_at).join(latest, latest.c.id == DigestDelivery.id))
    return {sink: (digest_id, status, at) for sink, digest_id, status, at in rows}


def last_crisis_alert_sent(session: Session) -> datetime | None:
    return session.scalar(select(func.max(CrisisAlert.sent_at)))
