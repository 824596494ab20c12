"""Reminders 24 h and 2 h before an event, to confirmed attendees; sent when due, never lost, never doubled.

owed_reminders.py writes a row for each reminder when a seat is confirmed. `send_due_reminders` claims
due rows one by one with an atomic UPDATE … WHERE sent_at IS NULL and queues the message in the same
transaction, so a restart, a crash or a second process can neither lose nor double one. After
downtime, a reminder is skipped if the event has started or a later one is due as well.

`events_tick(sessions, now)` is the periodic job (every minute is plenty): reminders, plus giving seats
freed by erasures (/forget cascades) to the people waiting.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handlers.events import seats, texts
from handlers.events.config import DEFAULT, EventsConfig
from handlers.events.owed_reminders import clear, due_times, reschedule
from handlers.events.store import aware, utc
from storage.db import writer
from storage.event_models import CONFIRMED, OPEN, WAITING, Event, EventReminder, Signup
from storage.clock import system_clock

log = logging.getLogger(__name__)

# clear, due_times and reschedule are owed_reminders'; manage.py and the tests have always found them here.
__all__ = ["send_due_reminders", "promote_waiting", "events_tick", "clear", "due_times", "reschedule"]


def _send_one(session: Session, row: EventReminder, now: datetime) -> str:
    event = session.get(Event, row.event_id)
    signup = session.scalars(select(Signup).where(Signup.event_id == row.event_id,
                                                  Signup.participant_id == row.participant_id)).one_or_none()
    if event is None or event.status != OPEN or aware(event.starts_at) <= now \
            or signup is None or signup.status != CONFIRMED:
        return "skipped"
    later_due = session.scalar(select(EventReminder.id).where(
        EventReminder.event_id == row.event_id, EventReminder.participant_id == row.participant_id,
        EventReminder.sent_at.is_(None), EventReminder.id != row.id,
        EventReminder.due_at > row.due_at, EventReminder.due_at <= now))
    if later_due is not None:
        return "skipped"
    texts.send_reminder(session, event, signup, row, now)
    return "queued"


def send_due_reminders(target, now: datetime, *, batch: int = 200) -> int:
    """Queue every reminder that is due; returns how many were queued. `target`: a sessionmaker or an App."""
    sessions = getattr(target, "sessions", target)
    now = utc(now)
    queued = 0
    while True:
        with writer(sessions()) as session:
            ids = list(session.scalars(select(EventReminder.id)
                                       .where(EventReminder.sent_at.is_(None), EventReminder.due_at <= now)
                                       .order_by(EventReminder.due_at, EventReminder.id).limit(batch)))
            if not ids:
                return queued
            for rid in ids:
                claimed = session.execute(
                    update(EventReminder).where(EventReminder.id == rid, EventReminder.sent_at.is_(None))
                    .values(sent_at=now).execution_options(synchronize_session=False)).rowcount
                if not claimed:
                    continue  # another process took it
                row = session.get(EventReminder, rid, populate_existing=True)
                outcome = _send_one(session, row, now)
                row.outcome = outcome
                queued += outcome == "queued"
            session.commit()


def promote_waiting(target, now: datetime, config: EventsConfig = DEFAULT) -> int:
    """Seats freed without a cancellation (an attendee erased themselves) go to the people waiting."""
    sessions = getattr(target, "sessions", target)
    now = utc(now)
    promoted = 0
    with sessions() as session:
        candidates = list(session.scalars(
            select(Event.id).where(Event.status == OPEN, Event.starts_at > now,
                                   Event.id.in_(select(Signup.event_id).where(Signup.status == WAITING)))))
    for event_id in candidates:
        with sessions() as session:
            event = session.get(Event, event_id)
            if event is None or seats.free_seats(session, event) == 0:
                continue  # full: nothing to give (checked before taking the lock)
        with writer(sessions()) as session:
            event = seats.lock_event(session, event_id)
            if event is None:
                continue
            moved = seats.promote(session, event, now, config)
            texts.tell_promoted(session, event, moved, now)
            session.commit()
            promoted += len(moved)
    return promoted


def events_tick(target, now: datetime | None = None, config: EventsConfig = DEFAULT) -> dict[str, int]:
    """The periodic job: due reminders, and seats for the people waiting. Safe to run anywhere, any time."""
    now = now or system_clock()
    return {"reminders": send_due_reminders(target, now), "promoted": promote_waiting(target, now, config)}
