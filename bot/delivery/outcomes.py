"""Writing what the platform answered for each row — sent, again later, blocked, failed — at once."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, update
from sqlalchemy.orm import Session

from bot.delivery.claims import Claimed
from bot.delivery.senders import Outcome, SendResult
from bot.delivery.worker_settings import WorkerSettings
from handlers.campaigns import prompts_delivered
from storage.campaign_models import (
    BLOCKED,
    FAILED,
    PROMPT_KIND,
    QUEUED,
    SENDING,
    SENT,
    OutboxMessage,
)
from storage.db import begin_write
from storage.models import Contact

# After messages are recorded as sent, in the same transaction: kind → hook(session, rows, now).
OnSent = Callable[[Session, list[Claimed], datetime], None]


def _prompts_sent(session: Session, rows: list[Claimed], now: datetime) -> None:
    window = rows[0].answer_window
    prompts_delivered(session, [(r.participant_id, r.ref) for r in rows], now, window)


ON_SENT: dict[str, OnSent] = {PROMPT_KIND: _prompts_sent}


def record(s: Session, batch: list[tuple[Claimed, SendResult]], *, now: datetime, worker_id: str,
           settings: WorkerSettings) -> None:
    """Write outcomes, many in one transaction when they arrive together (group commit)."""
    begin_write(s)
    sent = [(row, result) for row, result in batch if result.outcome is Outcome.SENT]
    if sent:
        table = OutboxMessage.__table__
        s.execute(update(table).where(table.c.id == bindparam("rid")).values(
            status=SENT, sent_at=now, lease_until=None, last_error=None,
            platform_message_id=bindparam("mid")),
            [{"rid": row.id, "mid": result.message_id} for row, result in sent])
        by_kind: dict[str, list[Claimed]] = {}
        for row, _ in sent:
            by_kind.setdefault(row.kind, []).append(row)
        for kind, rows in by_kind.items():
            hook = ON_SENT.get(kind)
            if hook is not None:
                hook(s, rows, now)
    for row, result in batch:
        if result.outcome is not Outcome.SENT:
            _record_problem(s, row, result, now, worker_id, settings)


def _record_problem(s: Session, row: Claimed, result: SendResult, now: datetime, worker_id: str,
                    settings: WorkerSettings) -> None:
    mine = and_(OutboxMessage.id == row.id, OutboxMessage.leased_by == worker_id, OutboxMessage.status == SENDING)
    if result.outcome is Outcome.RETRY_AFTER:
        s.execute(update(OutboxMessage).where(mine).values(
            status=QUEUED, lease_until=None, leased_by=None, attempts=OutboxMessage.attempts - 1,
            available_at=now + timedelta(seconds=max(result.retry_after, 0.05)),
            last_error=result.reason[:200] or "rate limited"))
    elif result.outcome is Outcome.BLOCKED:
        s.execute(update(OutboxMessage).where(mine).values(
            status=BLOCKED, lease_until=None, last_error=result.reason[:200] or "blocked"))
        s.execute(update(Contact).where(Contact.participant_id == row.participant_id)
                  .values(reachable=False, updated_at=now))
        s.execute(update(OutboxMessage).where(OutboxMessage.participant_id == row.participant_id,
                                              OutboxMessage.status == QUEUED)
                  .values(status=BLOCKED, last_error="unreachable"))
    elif result.outcome is Outcome.TRANSIENT and row.attempts < settings.max_attempts:
        wait = min(settings.backoff_seconds * 2 ** (row.attempts - 1), settings.max_backoff_seconds)
        wait *= random.uniform(0.8, 1.2)
        s.execute(update(OutboxMessage).where(mine).values(
            status=QUEUED, lease_until=None, leased_by=None, available_at=now + timedelta(seconds=wait),
            last_error=result.reason[:200]))
    else:
        reason = result.reason or result.outcome.value
        if result.outcome is Outcome.TRANSIENT:
            reason = f"gave up after {row.attempts} attempts: {reason}"
        s.execute(update(OutboxMessage).where(mine).values(
            status=FAILED, lease_until=None, last_error=reason[:200]))


def defer(s: Session, row: Claimed, *, now: datetime, worker_id: str, seconds: float) -> None:
    """Not now after all (the chat's own pace): back to the queue, without counting an attempt."""
    begin_write(s)
    s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.leased_by == worker_id,
                                          OutboxMessage.status == SENDING)
              .values(status=QUEUED, lease_until=None, leased_by=None, attempts=OutboxMessage.attempts - 1,
                      available_at=now + timedelta(seconds=seconds)))
