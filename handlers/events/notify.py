"""Telling people things they did not just ask about: promoted from the waitlist, moved, cancelled, reminded.

A `Notice` is written in the same transaction as the change that causes it, so a promotion is never
committed without its message, and a rolled-back change sends nothing.

By default a notice becomes a row in the durable outbox, written by its one writer `storage.outbox.enqueue`
— dedupe key "<kind>:<ref>:<participant>", insert or nothing — so the outbox workers deliver it at the
platform's pace and a retry adds nothing. The program may plug in another notifier (`set_notifier`);
handlers never import bot.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.core.types import Reply
from storage.campaign_models import PRIORITY_INTERACTIVE, PRIORITY_NORMAL
from storage.models import Participant
from storage.outbox import enqueue

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


Notifier = Callable[[Session, Notice], bool]


def outbox_notifier(session: Session, notice: Notice) -> bool:
    """Queue the notice in the durable outbox; False when it was queued before (same dedupe key)."""
    return enqueue(session, kind=notice.kind, ref=notice.ref, participant_id=notice.participant_id,
                   platform=notice.platform, intent=notice.reply, now=notice.now, quiet=notice.quiet,
                   priority=PRIORITY_INTERACTIVE if notice.urgent else PRIORITY_NORMAL)


_notifier: Notifier = outbox_notifier


def set_notifier(notifier: Notifier | None) -> None:
    """Plug in another way to deliver notices (None: back to the outbox)."""
    global _notifier
    _notifier = notifier or outbox_notifier


def notify(session: Session, person: Participant, kind: str, ref: str, reply: Reply, now: datetime, *,
           quiet: bool = False, urgent: bool = False) -> bool:
    return _notifier(session, Notice(person.id, person.platform, kind, ref, reply, now, quiet, urgent))
