"""Taking due outbox rows under a lease: `FOR UPDATE SKIP LOCKED` on PostgreSQL, one UPDATE … RETURNING on SQLite."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from storage.campaign_models import (
    BLOCKED,
    CANCELLED,
    PROMPT_KIND,
    QUEUED,
    SENDING,
    OutboxMessage,
    PromptSubscription,
)
from storage.db import begin_write
from storage.models import Contact, Participant


@dataclass
class Claimed:
    id: int
    participant_id: int
    kind: str
    ref: str
    dedupe_key: str
    payload: dict
    attempts: int
    lease_until: datetime
    chat_id: str = ""
    answer_window: timedelta = timedelta(days=3)


def scope(platform: str, only_chat: str | None = None) -> list:
    """The rows one worker may take: its platform's (the console's: only its own user's)."""
    conds = [OutboxMessage.platform == platform]
    if only_chat is not None:
        conds.append(OutboxMessage.participant_id.in_(
            select(Contact.participant_id).where(Contact.chat_id == only_chat)))
    return conds


def claim(s: Session, conds: list, *, limit: int, now: datetime, lease_until: datetime, worker_id: str,
          answer_window: timedelta) -> list[Claimed]:
    """Lease up to `limit` due rows matching `conds` to `worker_id`, in the order they should go out.

    A row whose person can no longer be reached is marked blocked, and a prompt no longer wanted is
    cancelled, in the same transaction; neither is returned.
    """
    begin_write(s)
    rows = _lease(s, conds, limit=limit, now=now, lease_until=lease_until, worker_id=worker_id)
    if not rows:
        return []
    return _screen(s, rows, lease_until, answer_window)


def _lease(s: Session, conds: list, *, limit: int, now: datetime, lease_until: datetime,
           worker_id: str) -> list[Row]:
    pg = s.get_bind().dialect.name == "postgresql"

    def pick(*where, n: int) -> list[int]:
        # Two narrow queries, each walking ix_outbox_claim in order, rather than one OR that sorts
        # the whole platform's rows.
        q = (select(OutboxMessage.id).where(*conds, *where)
             .order_by(OutboxMessage.priority, OutboxMessage.available_at, OutboxMessage.id).limit(n))
        return list(s.scalars(q.with_for_update(skip_locked=True) if pg else q))

    # A dead worker's rows first (their lease ran out), then what is due.
    ids = pick(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now, n=limit)
    if len(ids) < limit:
        ids += pick(OutboxMessage.status == QUEUED, OutboxMessage.available_at <= now, n=limit - len(ids))
    if not ids:
        return []
    rows = s.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids))
        .values(status=SENDING, lease_until=lease_until, leased_by=worker_id,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id, OutboxMessage.participant_id, OutboxMessage.kind, OutboxMessage.ref,
                   OutboxMessage.dedupe_key, OutboxMessage.payload, OutboxMessage.attempts,
                   OutboxMessage.priority, OutboxMessage.available_at)
    ).all()
    rows.sort(key=lambda r: (r.priority, r.available_at, r.id))
    return rows


def _screen(s: Session, rows: list[Row], lease_until: datetime, answer_window: timedelta) -> list[Claimed]:
    """Who each leased row is for, now: still reachable, and (for a prompt) still wanting prompts."""
    facts = {
        f.id: f for f in s.execute(
            select(Participant.id, Participant.consent_state, Contact.chat_id, Contact.reachable,
                   PromptSubscription.subscribed, PromptSubscription.paused, PromptSubscription.frequency)
            .select_from(Participant)
            .outerjoin(Contact, Contact.participant_id == Participant.id)
            .outerjoin(PromptSubscription, PromptSubscription.participant_id == Participant.id)
            .where(Participant.id.in_({r.participant_id for r in rows})))
    }
    claimed: list[Claimed] = []
    unreachable: list[int] = []
    unwanted: list[int] = []
    for r in rows:
        f = facts.get(r.participant_id)
        if f is None or f.chat_id is None or not f.reachable:
            unreachable.append(r.id)
            continue
        if r.kind == PROMPT_KIND and not (f.consent_state == "given" and f.subscribed and not f.paused
                                          and f.frequency != "events"):
            unwanted.append(r.id)
            continue
        claimed.append(Claimed(r.id, r.participant_id, r.kind, r.ref, r.dedupe_key, r.payload, r.attempts,
                               lease_until, f.chat_id, answer_window))
    if unreachable:
        s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(unreachable))
                  .values(status=BLOCKED, last_error="unreachable", lease_until=None))
    if unwanted:
        s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(unwanted))
                  .values(status=CANCELLED, last_error="no longer wanted", lease_until=None))
    return claimed


def recover(s: Session, conds: list) -> int:
    """Rows a stopped run left `sending` go back to the queue at once (not after their lease)."""
    begin_write(s)
    return s.execute(update(OutboxMessage).where(*conds, OutboxMessage.status == SENDING)
                     .values(status=QUEUED, lease_until=None, leased_by=None)).rowcount or 0
