"""Telling people things they did not just ask about: promoted from the waitlist, moved, cancelled, reminded.

A `Notice` is written in the same transaction as the change that causes it, so a promotion is never
committed without its message, and a rolled-back change sends nothing.

By default a notice becomes a row in the durable outbox (`storage.campaign_models.OutboxMessage`),
written exactly as `bot.outbox.enqueue` writes it — dedupe key "<kind>:<ref>:<participant>", insert or
nothing — so the outbox workers deliver it at the platform's pace and a retry adds nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handlers.core.types import Reply
from storage.campaign_models import PRIORITY_INTERACTIVE, PRIORITY_NORMAL, QUEUED, OutboxMessage
from storage.models import Participant

log = logging.getLogger(__name__)

# Outbox kinds (at most 16 characters).
PROMOTED, CHANGED, CANCELLED, REMINDER = "ev-promoted", "ev-changed", "ev-cancelled", "ev-reminder"


@dataclass(frozen=True)
class Notice:
    participant_id: int
    platform: str
    kind: str
    # With kind and participant, the dedupe key: the same notice is never queued twice.
    ref: str
    reply: Reply
    now: datetime
    # Held back in quiet hours (night) — for news that can wait until morning.
    quiet: bool = False
    urgent: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref}:{self.participant_id}"


def payload(reply: Reply) -> dict:
    """The outbox payload of a reply (the shape bot.delivery.intent_to_payload writes)."""
    return {"text": reply.text, "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons]}


def outbox_notifier(session: Session, notice: Notice) -> bool:
    """Queue the notice in the durable outbox; False when it was queued before (same dedupe key)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = notice.now.astimezone(timezone.utc)
    stmt = insert(OutboxMessage.__table__).values(
        dedupe_key=notice.key, kind=notice.kind, ref=notice.ref, participant_id=notice.participant_id,
        platform=notice.platform, priority=PRIORITY_INTERACTIVE if notice.urgent else PRIORITY_NORMAL,
        status=QUEUED, quiet=notice.quiet, day=None, payload=payload(notice.reply), attempts=0,
        available_at=now, created_at=now,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return (session.execute(stmt, execution_options={"preserve_rowcount": True}).rowcount or 0) > 0


def notify(session: Session, person: Participant, kind: str, ref: str, reply: Reply, now: datetime, *,
           quiet: bool = False, urgent: bool = False) -> bool:
    return outbox_notifier(session, Notice(person.id, person.platform, kind, ref, reply, now, quiet, urgent))
