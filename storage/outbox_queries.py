"""What is asked of the outbox besides writing to it: how far it has come, a person's messages, and
cancelling what waits for someone."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.campaign_models import CANCELLED, QUEUED, SENDING, STATUSES, OutboxMessage


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



def cancel_queued(session: Session, participant_id: int, kind: str, reason: str) -> int:
    """Rows of this kind still waiting for the person are not sent (one already being sent may arrive)."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.participant_id == participant_id, OutboxMessage.kind == kind,
               OutboxMessage.status == QUEUED)
        .values(status=CANCELLED, last_error=reason[:200])
    )
    return result.rowcount or 0


def messages_of(session: Session, participant_id: int) -> list[tuple]:
    """(ref, status, sent_at) of every outbox row for the person, oldest first: part of /mydata."""
    return list(session.execute(select(OutboxMessage.ref, OutboxMessage.status, OutboxMessage.sent_at)
                                .where(OutboxMessage.participant_id == participant_id)
                                .order_by(OutboxMessage.id)).all())
