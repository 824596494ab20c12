"""Telling people things they did not just ask about: promoted from the waitlist, moved, cancelled, reminded.

A notice is written in the same transaction as the change that causes it, so a promotion is never
committed without its message, and a rolled-back change sends nothing.

A notice becomes a row in the durable outbox, written by its one writer `storage.outbox.enqueue`
— dedupe key "<kind>:<ref>:<participant>", insert or nothing — so the outbox workers deliver it at the
platform's pace and a retry adds nothing.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from handlers.core.types import Reply
from storage.campaign_models import PRIORITY_INTERACTIVE, PRIORITY_NORMAL
from storage.models import Participant
from storage.outbox import enqueue

log = logging.getLogger(__name__)

# Outbox kinds (at most 16 characters).
PROMOTED, CHANGED, CANCELLED, REMINDER = "ev-promoted", "ev-changed", "ev-cancelled", "ev-reminder"


def notify(session: Session, person: Participant, kind: str, ref: str, reply: Reply, now: datetime, *,
           quiet: bool = False, urgent: bool = False) -> bool:
    """Queue the notice in the same transaction as its cause; False when it was queued before (same
    kind, ref and person). `quiet`: held back in quiet hours, for news that can wait until morning;
    `urgent`: ahead of bulk sends."""
    # A notice about someone's own sign-up shows what they do: /forget deletes it from the chat.
    return enqueue(session, kind=kind, ref=ref, participant_id=person.id, platform=person.platform,
                   intent=replace(reply, personal=True), now=now, quiet=quiet,
                   priority=PRIORITY_INTERACTIVE if urgent else PRIORITY_NORMAL)
