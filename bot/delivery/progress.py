"""How far the outbox has come: its rows counted by platform and status, and by broadcast."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.campaign_models import QUEUED, SENDING, STATUSES, OutboxMessage


def counts_by_platform(session: Session) -> dict[str, dict[str, int]]:
    """{platform: {status: n}} over the whole outbox."""
    out: dict[str, dict[str, int]] = {}
    for platform, status, n in session.execute(
            select(OutboxMessage.platform, OutboxMessage.status, func.count())
            .group_by(OutboxMessage.platform, OutboxMessage.status)):
        out.setdefault(platform, dict.fromkeys(STATUSES, 0))[status] = n
    return out


def counts_by_ref(session: Session, refs: list[str] | None = None) -> dict[str, dict[str, int]]:
    """{ref: {status: n}}: the progress of each broadcast."""
    stmt = select(OutboxMessage.ref, OutboxMessage.status, func.count()).group_by(OutboxMessage.ref,
                                                                                   OutboxMessage.status)
    if refs is not None:
        stmt = stmt.where(OutboxMessage.ref.in_(refs))
    out: dict[str, dict[str, int]] = {}
    for ref, status, n in session.execute(stmt):
        out.setdefault(ref, dict.fromkeys(STATUSES, 0))[status] = n
    return out


def draining_refs(session: Session) -> list[str]:
    """Broadcasts with messages still to go."""
    return list(session.scalars(select(OutboxMessage.ref).where(OutboxMessage.status.in_((QUEUED, SENDING)))
                                .group_by(OutboxMessage.ref).order_by(OutboxMessage.ref)))

