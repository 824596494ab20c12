"""Keeping, claiming and forgetting durable replies (storage/reply_models.py).

A claim is a lease: `claimed_until` in the future means a live process is sending the row. Every claim
is one `UPDATE … WHERE claimed_until <= now`, so of two processes that race for a row exactly one gets it
(PostgreSQL re-checks the condition on the row it waited for; SQLite runs writers one at a time).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.reply_models import PendingReply


def keep_reply(session: Session, *, participant_id: int | None, platform: str, chat_id: str,
               message_key: str | None, payload: dict[str, Any], now: datetime, lease: timedelta) -> PendingReply:
    """Add a reply, claimed by the caller for `lease` (it is about to send it); the caller flushes and commits."""
    row = PendingReply(participant_id=participant_id, platform=platform, chat_id=chat_id, message_key=message_key,
                       payload=payload, created_at=now, claimed_until=now + lease)
    session.add(row)
    return row


def claim_redelivered(session: Session, platform: str, message_key: str, now: datetime,
                      lease: timedelta) -> tuple[int, dict[str, Any]] | None:
    """The unsent reply to a message seen before, if nobody alive holds it: (id, payload), now claimed."""
    row = session.execute(
        update(PendingReply)
        .where(PendingReply.platform == platform, PendingReply.message_key == message_key,
               PendingReply.claimed_until <= now)
        .values(claimed_until=now + lease)
        .returning(PendingReply.id, PendingReply.payload)
        .execution_options(synchronize_session=False)).first()
    return (row.id, row.payload) if row is not None else None


def claim_expired(session: Session, platform: str, now: datetime, lease: timedelta,
                  limit: int = 50) -> list[PendingReply]:
    """Rows whose sender died (lease run out), oldest first, claimed for `lease`; the caller commits."""
    pg = session.get_bind().dialect.name == "postgresql"
    q = (select(PendingReply.id).where(PendingReply.platform == platform, PendingReply.claimed_until <= now)
         .order_by(PendingReply.id).limit(limit))
    ids = list(session.scalars(q.with_for_update(skip_locked=True) if pg else q))
    if not ids:
        return []
    claimed = set(session.scalars(
        update(PendingReply).where(PendingReply.id.in_(ids), PendingReply.claimed_until <= now)
        .values(claimed_until=now + lease).returning(PendingReply.id)
        .execution_options(synchronize_session=False)))
    rows = session.scalars(select(PendingReply).where(PendingReply.id.in_(claimed)).order_by(PendingReply.id))
    return list(rows)


def forget_replies(session: Session, ids: Iterable[int]) -> int:
    """Sent (or beyond sending): gone. The caller commits."""
    wanted = list(ids)
    if not wanted:
        return 0
    result = session.execute(delete(PendingReply).where(PendingReply.id.in_(wanted))
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


def release_replies(session: Session, ids: Iterable[int]) -> int:
    """Give up claims (a process stopping): the next process takes the rows at once. The caller commits."""
    wanted = list(ids)
    if not wanted:
        return 0
    result = session.execute(update(PendingReply).where(PendingReply.id.in_(wanted))
                             .values(claimed_until=PendingReply.created_at)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


def renew_claims(session: Session, ids: Iterable[int], now: datetime, lease: timedelta) -> int:
    """A live process still sending these (a slow API, a 429): its claims last another `lease`."""
    wanted = list(ids)
    if not wanted:
        return 0
    result = session.execute(update(PendingReply).where(PendingReply.id.in_(wanted))
                             .values(claimed_until=now + lease).execution_options(synchronize_session=False))
    return result.rowcount or 0

